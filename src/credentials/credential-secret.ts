/**
 * Shared pieces of onboarding and rotation: turning a vendor claim into the secret JSON stored in
 * Secrets Manager, proving a credential works by minting one token, and the token provider for
 * clients that only call the vendor's open routes.
 */
import type { ClaimedCredentials } from '../client/contract.ts';
import type { FetchLike } from '../client/http.ts';
import {
  createTokenProvider,
  type TokenCache,
  type TokenProvider,
  type VendorCredentials,
} from '../client/token-provider.ts';

/** A claim did not say where to mint tokens (or for which audience) and no fallback was given. */
export class IncompleteCredentialsError extends Error {
  override readonly name = 'IncompleteCredentialsError';
  /** The secret fields that are missing. */
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    super(
      `The claimed credential has no ${missing.join(' or ')}; pass ${missing
        .map((field) => `--${field.replace('_', '-')}`)
        .join(' / ')} (or the SIMULACRA_* variable) with the value Simulacra gave you.`,
    );
    this.missing = missing;
  }
}

/** Where the claimed credential is used when the claim response does not say. */
export interface CredentialDefaults {
  readonly api_base: string;
  readonly token_url?: string | null | undefined;
  readonly audience?: string | null | undefined;
}

/**
 * The secret value for a claimed credential. The claim's own `token_url`/`audience` win over the
 * defaults (they are the vendor's word); the API base always comes from the caller.
 *
 * @throws IncompleteCredentialsError when neither the claim nor the defaults name a token URL or audience.
 */
export function credentialsFromClaim(
  claim: Pick<ClaimedCredentials, 'client_id' | 'client_secret' | 'token_url' | 'audience'>,
  defaults: CredentialDefaults,
): VendorCredentials {
  const token_url = claim.token_url ?? defaults.token_url ?? null;
  const audience = claim.audience ?? defaults.audience ?? null;
  const missing = [...(token_url ? [] : ['token_url']), ...(audience ? [] : ['audience'])];
  if (!token_url || !audience) throw new IncompleteCredentialsError(missing);
  return {
    client_id: claim.client_id,
    client_secret: claim.client_secret,
    token_url,
    audience,
    api_base: defaults.api_base,
  };
}

/** The JSON stored in the Secrets Manager secret (the shape `loadCredentialsFromSecret` reads). */
export function toSecretString(credentials: VendorCredentials): string {
  const { client_id, client_secret, token_url, audience, api_base } = credentials;
  return JSON.stringify({ client_id, client_secret, token_url, audience, api_base });
}

/** What a successful test mint proved; safe to print (no token, no secret). */
export interface CredentialCheck {
  readonly client_id: string;
  /** When the minted bearer token expires (epoch ms). */
  readonly tokenExpiresAt: number;
}

/**
 * Mints one bearer token with `credentials` and reports its expiry. The token itself never leaves
 * this function: it goes to a throw-away cache that only keeps the expiry.
 *
 * @throws TokenMintError (from the client) when the token endpoint refuses the credential.
 */
export async function verifyCredentials(
  credentials: VendorCredentials,
  options: { fetch?: FetchLike } = {},
): Promise<CredentialCheck> {
  let tokenExpiresAt: number | null = null;
  const expiryOnly: TokenCache = {
    get: () => Promise.resolve(null),
    put: (_key, value) => {
      tokenExpiresAt = value.expiresAt;
      return Promise.resolve();
    },
  };
  const provider = createTokenProvider({
    credentials,
    cache: expiryOnly,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  await provider.getToken();
  if (tokenExpiresAt === null) {
    throw new Error('The token provider minted a token but did not report its expiry.');
  }
  return { client_id: credentials.client_id, tokenExpiresAt };
}

/**
 * A token provider for clients that only call open routes (signup, status, claim). Using it for a
 * bearer route is a programming error, so it throws instead of sending an empty token.
 */
export const openRoutesOnly: TokenProvider = {
  getToken: () =>
    Promise.reject(
      new Error('This client is for the open onboarding routes only and has no bearer credential.'),
    ),
  invalidate: () => undefined,
};
