/**
 * The shared token cache's contract, apart from the provider and the mint lease that both use it
 * (so neither imports the other for it).
 */

export interface CachedToken {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

/** A store shared by processes (e.g. Lambda containers) so a deployment mints one token per lifetime. */
export interface TokenCache {
  get(key: string): Promise<CachedToken | null>;
  put(key: string, value: CachedToken): Promise<void>;
}
