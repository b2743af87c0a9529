/**
 * Bundling choices shared by the construct (lib/function-factory.ts) and the cold-start benchmark
 * (bench/cold-start.ts), so both build the same bundles. No SDK and no CDK import: plain data.
 */
import path from 'node:path';

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
