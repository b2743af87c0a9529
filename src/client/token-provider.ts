/**
 * Bearer tokens from the OAuth client-credentials grant (Auth0 M2M): cached until shortly before
 * expiry, minted by at most one request at a time per provider (single-flight), optionally shared
 * between processes through a {@link TokenCache}. When the cache also offers mint leases
 * (`MintLeases`), processes that miss it at the same moment mint once between them. After a 401
 * the client calls `invalidate` and asks again, which re-mints exactly once.
 */
import * as z from '../contracts/zod.ts';
import { TokenMintError } from './errors.ts';
import type { FetchLike } from './http.ts';
import { networkErrorCode } from './problem.ts';
import { DEFAULT_MINT_LEASE_TIMING, mintLeasesOf, mintUnderLease } from './token-mint-lease.ts';
import type { MintLeaseTiming } from './token-mint-lease.ts';
import type { CachedToken, TokenCache } from './token-cache.ts';

export type { CachedToken, TokenCache } from './token-cache.ts';

/** Supplies bearer tokens to the client. */
export interface TokenProvider {
  /** A token valid for at least the expiry margin. */
  getToken(): Promise<string>;
  /** The API rejected `token` (401): forget it so the next `getToken` mints a new one. */
  invalidate(token: string): void;
}

/** The vendor credentials the token grant and the client need (the secret's JSON, normalised). */
export interface VendorCredentials {
  readonly client_id: string;
  readonly client_secret: string;
  readonly token_url: string;
  readonly audience: string;
  readonly api_base: string;
}

export interface TokenProviderOptions {
  readonly credentials: VendorCredentials;
  readonly cache?: TokenCache;
  readonly fetch?: FetchLike;
  /** Epoch ms clock (tests). */
  readonly now?: () => number;
  /** Refresh this long before expiry (default 5 min; never more than half the token's lifetime). */
  readonly expiryMarginMs?: number;
  /** Timeout of one token request (default 15 s). */
  readonly timeoutMs?: number;
  /**
   * Re-reads the credentials (e.g. `loadCredentialsFromSecret` on AWSCURRENT) before every mint
   * after the first, so a re-mint after a 401 or at expiry uses a rotated secret. A failed read
   * falls back to the last credentials. Added by the CREDENTIALS engineer for rotation.
   */
  readonly credentialsSource?: () => Promise<VendorCredentials>;
  /** Lease lifetime and waits when the cache offers mint leases (defaults: 5 s lease, 10 s wait). */
  readonly mintLease?: Partial<MintLeaseTiming>;
}

export const DEFAULT_EXPIRY_MARGIN_MS = 5 * 60 * 1000;
const DEFAULT_TOKEN_TIMEOUT_MS = 15_000;
/** Used when the token endpoint omits `expires_in` (Auth0 always sends it). */
const FALLBACK_LIFETIME_S = 300;

const tokenResponse = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.coerce.number().check(z.positive())),
  token_type: z.optional(z.string()),
});

/** The shared-cache key of a client's tokens: `TOKEN#<client_id>#<audience>`. */
export function tokenCacheKey(credentials: Pick<VendorCredentials, 'client_id' | 'audience'>): string {
  return `TOKEN#${credentials.client_id}#${credentials.audience}`;
}

interface HeldToken extends CachedToken {
  /** Margin applied to this token: min(configured margin, half its remaining lifetime when obtained). */
  readonly marginMs: number;
}

/** Creates a {@link TokenProvider} for the client-credentials grant. */
export function createTokenProvider(options: TokenProviderOptions): TokenProvider {
  const { credentials, cache } = options;
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const marginMs = options.expiryMarginMs ?? DEFAULT_EXPIRY_MARGIN_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOKEN_TIMEOUT_MS;
  const key = tokenCacheKey(credentials);
  const leases = mintLeasesOf(cache);
  const leaseTiming: MintLeaseTiming = { ...DEFAULT_MINT_LEASE_TIMING, ...options.mintLease };
  /** Tokens the API rejected; a shared cache may still hold them, so they are skipped on read. */
  const rejected = new Set<string>();
  let held: HeldToken | null = null;
  let inflight: Promise<string> | null = null;

  const hold = (token: CachedToken): HeldToken => ({
    ...token,
    marginMs: Math.min(marginMs, Math.max(0, (token.expiresAt - now()) / 2)),
  });
  const usable = (token: HeldToken | null): token is HeldToken =>
    token !== null && !rejected.has(token.accessToken) && now() < token.expiresAt - token.marginMs;

  async function readCache(): Promise<HeldToken | null> {
    if (!cache) return null;
    try {
      const entry = await cache.get(key);
      if (!entry || rejected.has(entry.accessToken)) return null;
      // A shared entry must still have a full margin left; otherwise mint a fresh one.
      return entry.expiresAt - marginMs > now() ? hold(entry) : null;
    } catch {
      // Cache outages degrade to minting; the API still works.
      return null;
    }
  }

  async function writeCache(token: CachedToken): Promise<void> {
    if (!cache) return;
    try {
      await cache.put(key, token);
    } catch {
      // Best effort: the next process mints its own token.
    }
  }

  // Rotation hook: the credentials a mint uses, re-read through `credentialsSource` when given.
  let currentCredentials = credentials;
  let mintedOnce = false;
  async function credentialsForMint(): Promise<VendorCredentials> {
    if (mintedOnce && options.credentialsSource) {
      try {
        currentCredentials = await options.credentialsSource();
      } catch {
        // Keep the last credentials: they may still work, and the mint reports it if not.
      }
    }
    mintedOnce = true;
    return currentCredentials;
  }

  async function mint(): Promise<CachedToken> {
    const credentials = await credentialsForMint();
    const body = JSON.stringify({
      grant_type: 'client_credentials',
      client_id: credentials.client_id,
      client_secret: credentials.client_secret,
      audience: credentials.audience,
    });
    let response: Response;
    const startedAt = now();
    try {
      response = await fetchImpl(credentials.token_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const code = networkErrorCode(err) ?? (err instanceof Error ? err.name : 'Error');
      throw new TokenMintError(`token endpoint unreachable (${code})`, { status: null, retryable: true });
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw new TokenMintError('token endpoint response was truncated', {
        status: response.status,
        retryable: true,
      });
    }
    if (!response.ok) {
      const retryable = response.status === 429 || response.status >= 500;
      let oauthError = '';
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string' && /^[a-z_]{1,64}$/.test(parsed.error))
          oauthError = ` ${parsed.error}`;
      } catch {
        // not JSON: the status says enough
      }
      const hint = retryable
        ? ''
        : '; check client_id, client_secret and audience (the secret may have been rotated)';
      throw new TokenMintError(
        `token endpoint refused the request: HTTP ${response.status}${oauthError}${hint}`,
        {
          status: response.status,
          retryable,
        },
      );
    }
    let parsed: z.infer<typeof tokenResponse>;
    try {
      parsed = tokenResponse.parse(JSON.parse(text));
    } catch {
      throw new TokenMintError('token endpoint answered without a usable access_token', {
        status: response.status,
        retryable: false,
      });
    }
    return {
      accessToken: parsed.access_token,
      expiresAt: startedAt + (parsed.expires_in ?? FALLBACK_LIFETIME_S) * 1000,
    };
  }

  async function mintAndShare(): Promise<HeldToken> {
    const minted = await mint();
    await writeCache(minted);
    return hold(minted);
  }

  async function refresh(): Promise<string> {
    const shared = await readCache();
    if (shared) {
      held = shared;
      return shared.accessToken;
    }
    held = leases
      ? await mintUnderLease(leases, key, leaseTiming, { readShared: readCache, mint: mintAndShare })
      : await mintAndShare();
    return held.accessToken;
  }

  return {
    getToken(): Promise<string> {
      if (usable(held)) return Promise.resolve(held.accessToken);
      if (!inflight) {
        inflight = refresh().finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
    invalidate(token: string): void {
      rejected.add(token);
      // Tokens are replaced about once per lifetime; keep the set small anyway.
      if (rejected.size > 16) rejected.delete(rejected.values().next().value as string);
      if (held?.accessToken === token) held = null;
    },
  };
}
