/**
 * The shared state of one running simulator: configuration, store, counters, faults, engine,
 * clock and keys. Every handler module receives it.
 */
import { createHmac } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Counters } from './counters.ts';
import type { SimulatorEngine } from './engine-port.ts';
import type { FaultInjector } from './faults.ts';
import type { Store } from './store.ts';
import type { SensitiveLedger } from './sensitive.ts';

/** Durations of simulated work. */
export interface SimulatorTimings {
  /** How long a training job runs (default 1500 ms). */
  readonly trainingMs?: number;
  /** How long a generation job runs (default 1000 ms). */
  readonly generationMs?: number;
  /** How long a job stays `queued` before it starts (default 0 ms). */
  readonly queueMs?: number;
  /** `Retry-After` sent with 202 responses, the suggested poll interval (default 2 s). */
  readonly pollAfterSeconds?: number;
}

/** Retention windows and lifetimes (defaults follow the vendor's documents). */
export interface SimulatorRetention {
  /** Dataset TTL and extend increment (24 h). */
  readonly datasetTtlMs?: number;
  /** Maximum continuous dataset retention counted from `created_at` (7 days). */
  readonly datasetCapMs?: number;
  /** Generation artifact retention (24 h). */
  readonly generationTtlMs?: number;
  /** How long a terminal job stays readable (24 h). */
  readonly jobTtlMs?: number;
  /** Claim token lifetime (24 h). */
  readonly claimTtlMs?: number;
  /** Download URL lifetime in seconds (900). */
  readonly downloadTtlSeconds?: number;
  /** Access token lifetime in seconds (86400). */
  readonly tokenTtlSeconds?: number;
}

/** Limits of the default tenant policy. */
export interface SimulatorLimits {
  /** Largest accepted seed upload (500 MB). */
  readonly maxUploadBytes?: number;
  /** Lifetime row quota of new tenants (100,000,000). */
  readonly rowQuota?: number;
  /** Per-request row cap (1,000,000). */
  readonly perRequestCap?: number;
  /** Self-service rotations per client per 24 h (3). */
  readonly rotationsPerDay?: number;
}

export interface ResolvedConfig {
  readonly mode: 'managed' | 'enterprise';
  readonly audience: string;
  readonly nullStyle: 'empty-object' | 'null';
  /** How the engine makes rows (`perturbed` by default: no seed row comes back verbatim). */
  readonly generationMode: 'bootstrap' | 'perturbed' | 'copy';
  readonly timings: Required<SimulatorTimings>;
  readonly retention: Required<SimulatorRetention>;
  readonly limits: Required<SimulatorLimits>;
}

export const DEFAULT_AUDIENCE = 'https://api.simulacra-data.com';

/** Job timings when none are given: quick enough to explore, slow enough to watch. */
export const DEFAULT_TIMINGS = {
  trainingMs: 1500,
  generationMs: 1000,
  queueMs: 0,
  pollAfterSeconds: 2,
} as const;

export function resolveConfig(options: {
  mode?: 'managed' | 'enterprise';
  audience?: string;
  nullStyle?: 'empty-object' | 'null';
  generationMode?: 'bootstrap' | 'perturbed' | 'copy';
  timings?: SimulatorTimings;
  retention?: SimulatorRetention;
  limits?: SimulatorLimits;
}): ResolvedConfig {
  const hour = 3_600_000;
  return {
    mode: options.mode ?? 'managed',
    audience: options.audience ?? DEFAULT_AUDIENCE,
    nullStyle: options.nullStyle ?? 'empty-object',
    generationMode: options.generationMode ?? 'perturbed',
    timings: { ...DEFAULT_TIMINGS, ...options.timings },
    retention: {
      datasetTtlMs: 24 * hour,
      datasetCapMs: 7 * 24 * hour,
      generationTtlMs: 24 * hour,
      jobTtlMs: 24 * hour,
      claimTtlMs: 24 * hour,
      downloadTtlSeconds: 900,
      tokenTtlSeconds: 86_400,
      ...options.retention,
    },
    limits: {
      maxUploadBytes: 500 * 1024 * 1024,
      rowQuota: 100_000_000,
      perRequestCap: 1_000_000,
      rotationsPerDay: 3,
      ...options.limits,
    },
  };
}

/** The shared state handlers work with. */
export interface SimContext {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly counters: Counters;
  /** Replaced by `setFaults`; always read through the context. */
  faults: FaultInjector;
  /** How generations make rows; starts as `config.generationMode`, changed by `setGenerationMode`. */
  generationMode: ResolvedConfig['generationMode'];
  /** Current time in ms (injectable for retention tests). */
  now(): number;
  engine(): Promise<SimulatorEngine>;
  /** API origin, e.g. `http://127.0.0.1:4010`. */
  apiBase: string;
  /** Origin of the enterprise storage listener. */
  storageBase: string;
  readonly kms: { client: KMSClient; keyId: string } | null;
  /** Every secret handed out, for leak checks in tests. */
  readonly sensitive: SensitiveLedger;
}

/** A key derived from the persisted signing key for one purpose (`jwt`, `download`, `storage`). */
export function derivedKey(ctx: SimContext, purpose: string): Buffer {
  return createHmac('sha256', Buffer.from(ctx.store.data.signingKey, 'base64')).update(purpose).digest();
}

/** ISO 8601 timestamp without milliseconds, like the vendor's examples. */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A null in the configured style: `{}` (R jsonlite, as the vendor's examples) or `null`. */
export function nullish<T>(ctx: SimContext, value: T | null | undefined): T | Record<string, never> | null {
  if (value !== null && value !== undefined) return value;
  return ctx.config.nullStyle === 'empty-object' ? {} : null;
}
