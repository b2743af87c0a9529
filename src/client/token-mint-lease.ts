/**
 * A mint lease: when many processes (Lambda containers) miss an empty shared token cache at the
 * same moment, one of them takes a short-lived lease and mints while the others wait for its
 * token to appear in the cache. The lease expires by itself, so a holder that dies only delays
 * the others by the lease's lifetime; after a bounded wait everyone mints on their own.
 */
import type { TokenCache } from './token-cache.ts';

/**
 * Optional capability of a {@link TokenCache}: an exclusive, self-expiring lease on minting the
 * token of one cache key. A cache without it is used read-then-mint as before.
 */
export interface MintLeases {
  /**
   * Takes the lease on minting `key`'s token for `ttlMs` unless another holder's lease is still
   * live. Returns the lease id to release it with, or null when someone else holds the lease.
   */
  acquireMintLease(key: string, ttlMs: number): Promise<string | null>;
  /** Gives the lease back; does nothing when it already expired and another holder took it. */
  releaseMintLease(key: string, leaseId: string): Promise<void>;
}

/** How a provider uses {@link MintLeases}. */
export interface MintLeaseTiming {
  /** Lifetime of a lease: how long others wait for a holder that died (default 5 s). */
  readonly leaseMs: number;
  /** Longest a provider waits for another holder's token before it mints itself (default 10 s). */
  readonly maxWaitMs: number;
  /** First pause between cache reads while waiting; pauses grow to 4× this (default 50 ms). */
  readonly pollMs: number;
}

export const DEFAULT_MINT_LEASE_TIMING: MintLeaseTiming = { leaseMs: 5_000, maxWaitMs: 10_000, pollMs: 50 };

/** The cache's lease capability, or null when it has none. */
export function mintLeasesOf(cache: TokenCache | undefined): MintLeases | null {
  if (!cache) return null;
  const candidate = cache as TokenCache & Partial<MintLeases>;
  return typeof candidate.acquireMintLease === 'function' && typeof candidate.releaseMintLease === 'function'
    ? (candidate as TokenCache & MintLeases)
    : null;
}

export interface LeasedMintSteps<T> {
  /** A usable token from the shared cache, or null (errors must already be mapped to null). */
  readonly readShared: () => Promise<T | null>;
  /** Mints and stores the token in the shared cache. */
  readonly mint: () => Promise<T>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `mint` under the lease of `key` after the caller found the shared cache empty: the lease
 * winner re-reads the cache (a holder may have finished in between) and mints; the others poll
 * the cache with jittered, growing pauses and try the lease again each time, so a released or
 * expired lease passes to one of them. Lease store failures and the end of the wait degrade to
 * minting, as a cache outage does.
 */
export async function mintUnderLease<T>(
  leases: MintLeases,
  key: string,
  timing: MintLeaseTiming,
  steps: LeasedMintSteps<T>,
): Promise<T> {
  // Real time, like the pauses and the lease expiry (a provider's `now` may be a test clock).
  const deadline = Date.now() + timing.maxWaitMs;
  for (let attempt = 0; ; attempt++) {
    let leaseId: string | null;
    try {
      leaseId = await leases.acquireMintLease(key, timing.leaseMs);
    } catch {
      return steps.mint();
    }
    if (leaseId !== null) {
      try {
        return (await steps.readShared()) ?? (await steps.mint());
      } finally {
        await leases.releaseMintLease(key, leaseId).catch(() => {
          // The lease expires by itself.
        });
      }
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return steps.mint();
    const pause = timing.pollMs * Math.min(4, 1.5 ** attempt);
    // Jitter spreads the waiting containers' reads and lease attempts apart.
    await sleep(Math.min(remaining, pause * (0.5 + Math.random() * 0.5)));
    const shared = await steps.readShared();
    if (shared) return shared;
  }
}
