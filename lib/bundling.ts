/**
 * How every function bundle is built, shared by the construct (lib/function-factory.ts, at synth
 * in this repository), the package build (scripts/build-package.ts), the cold-start benchmark
 * (bench/cold-start.ts) and the bundle tests, so all of them build the same bundles. No SDK, no
 * CDK and no esbuild import: plain data in esbuild's option names, and plugins (so esbuild's
 * asynchronous `build` only: lib/bundle-function.ts runs it for a synchronous caller).
 */
import path from 'node:path';
import { sdkPackageInfoPlugin } from './sdk-package-info.ts';
import { sdkSchemaKeysPlugin } from './sdk-schema-keys.ts';

/**
 * esbuild `alias`es applied to every function bundle: package -> file (relative to the repository
 * root). The SDK's default credential chain becomes the environment provider that Lambda's role
 * credentials come through (see lambdas/commons/lambda-credentials.ts).
 */
export const LAMBDA_BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': 'lambdas/commons/lambda-credentials.ts',
};

/** The aliases with absolute replacement paths (esbuild resolves relative ones from its cwd). */
export function bundleAliases(projectRoot: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(LAMBDA_BUNDLE_ALIASES).map(([pkg, file]) => [pkg, path.join(projectRoot, file)]),
  );
}

/** The bundle's entry file inside its asset directory (handler `index.handler`). */
export const BUNDLE_ENTRY_FILE = 'index.mjs';
/** Where the lazily loaded chunks go inside the asset directory. */
export const BUNDLE_CHUNK_DIR = 'chunks';

/**
 * Whether the functions map stack traces through their source maps by default (the construct's
 * `enableSourceMaps` prop). Off: Node's `--enable-source-maps` reads and decodes the bundle's
 * source map while the module loads, on every cold start, before the first invocation
 * (bench/cold-start.ts measures the cost); the `.map` files stay in every asset either way.
 */
export const DEFAULT_ENABLE_SOURCE_MAPS = false;

/**
 * The `NODE_OPTIONS` variable the functions run with (lib/function-factory.ts): source-mapped
 * stack traces when `enableSourceMaps`, none otherwise. Not V8 heap flags: Lambda's runtime sets
 * its own on node's command line, which wins (see lib/lambda-runtime.ts).
 */
export function lambdaNodeOptions(
  enableSourceMaps: boolean = DEFAULT_ENABLE_SOURCE_MAPS,
): Readonly<Record<string, string>> {
  return enableSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {};
}

/**
 * esbuild options (a subset of its `BuildOptions`, same names) bundling the handler `entry`
 * (relative to `projectRoot`) into `outdir`: `index.mjs` plus, with code splitting, one chunk per
 * dynamic `import()` (`chunks/`), which the function reads only when that code path runs: the
 * Arrow and Parquet readers of LandArtifact, the SDK's event-stream codec, browser-only helpers.
 * ESM, minified, node24, the AWS SDK bundled (its version is ours, not the runtime's), linked
 * source maps without sources (read only with `--enable-source-maps`, see
 * {@link lambdaNodeOptions}), the `require` banner that bundled CommonJS dependencies need, and
 * two plugins that let esbuild drop what of the SDK a handler never reads: the schemas of the
 * operations it does not call (lib/sdk-schema-keys.ts), and all of each client's `package.json`
 * but its version (lib/sdk-package-info.ts).
 */
export function functionBundleOptions(projectRoot: string, entry: string, outdir: string) {
  return {
    entryPoints: { index: path.join(projectRoot, entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: `${BUNDLE_CHUNK_DIR}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm' as const,
    platform: 'node' as const,
    target: 'node24',
    minify: true,
    sourcemap: 'linked' as const,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    alias: bundleAliases(projectRoot),
    plugins: [sdkSchemaKeysPlugin, sdkPackageInfoPlugin],
    absWorkingDir: projectRoot,
    logLevel: 'warning' as const,
  };
}
