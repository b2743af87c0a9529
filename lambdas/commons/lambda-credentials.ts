/**
 * The credential chain the function bundles use in place of the SDK's default one
 * (`@aws-sdk/credential-provider-node`, swapped at bundling by `LAMBDA_BUNDLE_ALIASES` in
 * lib/bundling.ts): Lambda hands every function its role's credentials in the environment
 * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), which is the first source
 * the default chain tries. The rest of that chain (SSO, the login and web-identity flows, profile
 * files, the instance metadata service, and the STS/SSO clients they carry) never runs on Lambda
 * and is about 100 KiB of every bundle. Tests and local tools run the sources, not the bundles,
 * and keep the default chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type EnvInit = Parameters<typeof fromEnv>[0];

/** Same name and call shape as the default chain's export, so every SDK client picks it up. */
export function defaultProvider(init: EnvInit = {}): ReturnType<typeof fromEnv> {
  return fromEnv(init);
}
