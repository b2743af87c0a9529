/**
 * An esbuild plugin that keeps only `name` and `version` of the AWS SDK clients' `package.json`.
 *
 * Each client's runtime config imports its whole `package.json` (`import packageInfo from
 * "../package.json"`) to read `packageInfo.version` for the user agent; a default import of JSON
 * cannot be tree-shaken, so every bundle carried each client's full manifest (about 2 KiB each:
 * scripts, dependencies, files). Nothing else of it is read.
 */
import { loadTransformPlugin } from './load-transform-plugin.ts';

/** The manifests of the SDK's service clients. */
export const SDK_CLIENT_MANIFEST = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]package\.json$/;

/** `manifest` (a package.json's text) reduced to its `name` and `version`. */
export function nameAndVersion(manifest: string): string {
  const { name, version } = JSON.parse(manifest) as { name?: unknown; version?: unknown };
  return JSON.stringify({ name, version });
}

/** esbuild plugin applying {@link nameAndVersion} to every SDK client manifest it bundles. */
export const sdkPackageInfoPlugin = loadTransformPlugin(
  'sdk-package-info',
  SDK_CLIENT_MANIFEST,
  'json',
  nameAndVersion,
);
