/**
 * Throttling that queues: when the vendor asks to come back later (429/503 with a Retry-After
 * longer than a Lambda should sleep, or still throttled after the client's retries) or the shared
 * pacing has no request free, a vendor-calling step returns `{ vendorWait }` instead of failing.
 * The state machine then waits that long in a Wait state (no Lambda running, no Retry budget
 * used) and runs the step again. docs/runbook.md, "Throttling".
 */
import { SimulacraApiError, VendorPacingError } from '../client/errors.ts';

/** The longest single wait (Step Functions' execution timeout bounds the total). */
export const MAX_VENDOR_WAIT_SECONDS = 3600;
/** Share of a Retry-After added at random, so runs throttled together come back spread out. */
export const VENDOR_WAIT_JITTER = 0.2;

export interface VendorWait {
  /** Seconds the state machine's Wait state sleeps before running the step again (≥ 1). */
  readonly seconds: number;
  /** `throttled`: the vendor's Retry-After; `paced`: the deployment's shared request pacing. */
  readonly reason: 'throttled' | 'paced';
  /** The vendor operation that has to wait. */
  readonly operation: string;
}

/** What a step returns instead of its result when it has to wait its turn. */
export interface VendorWaitOutcome {
  readonly vendorWait: VendorWait;
}

function bounded(seconds: number): number {
  return Math.min(MAX_VENDOR_WAIT_SECONDS, Math.max(1, Math.ceil(seconds)));
}

/** The wait `err` asks for, or null when it is not a throttling or pacing refusal. */
export function vendorWaitFor(err: unknown, random: () => number = Math.random): VendorWait | null {
  if (err instanceof VendorPacingError) {
    return { seconds: bounded(err.retryAfterSeconds), reason: 'paced', operation: err.operation };
  }
  if (
    err instanceof SimulacraApiError &&
    err.retryable &&
    (err.status === 429 || err.status === 503) &&
    err.retryAfterSeconds !== null
  ) {
    const seconds = err.retryAfterSeconds * (1 + VENDOR_WAIT_JITTER * random());
    return { seconds: bounded(seconds), reason: 'throttled', operation: err.operation };
  }
  return null;
}

/** True for a step result that is a wait rather than the step's own result. */
export function isVendorWait(value: unknown): value is VendorWaitOutcome {
  return typeof value === 'object' && value !== null && 'vendorWait' in value;
}
