/**
 * Throttling that queues: when the vendor asks to come back later (429/503 with a Retry-After
 * longer than a Lambda should sleep, or still throttled after the client's retries) or the shared
 * pacing has no request free, a vendor-calling step returns `{ vendorWait }` instead of failing.
 * The state machine then waits that long in a Wait state (no Lambda running, no Retry budget
 * used) and runs the step again. A paced wait carries the slot the pacing reserved for it
 * (`reservedAt`): the step's next run gets it back in its input and sends on that slot without
 * taking another (src/client/pacing-reservation.ts). docs/runbook.md, "Throttling".
 */
import { SimulacraApiError, VendorPacingError } from '../client/errors.ts';
import { VendorRetryableError, failure } from '../contracts/state-errors.ts';
import { heldReservation, withPacingTurn } from '../client/pacing-reservation.ts';
import * as z from '../contracts/zod.ts';

/** The longest single wait (Step Functions' execution timeout bounds the total). */
export const MAX_VENDOR_WAIT_SECONDS = 3600;
/**
 * The most waits one step makes in one run. Each wait adds a Wait, a Task and a Choice to the
 * execution's history (25,000 events at most), and a scenario's waits count once per scenario
 * (src/pipeline/history-budget.ts): a step still refused after these gives up with
 * `VendorRetryableError` (code `vendor_waits_exhausted`), which its Retry and then its Catch take,
 * instead of the whole run ending past the quota without its record.
 */
export const MAX_VENDOR_WAITS = 8;
/** Share of a Retry-After added at random, so runs throttled together come back spread out. */
export const VENDOR_WAIT_JITTER = 0.2;

export interface VendorWait {
  /** Seconds the state machine's Wait state sleeps before running the step again (≥ 1). */
  readonly seconds: number;
  /** `throttled`: the vendor's Retry-After; `paced`: the deployment's shared request pacing. */
  readonly reason: 'throttled' | 'paced';
  /** The vendor operation that has to wait. */
  readonly operation: string;
  /** `paced` only: the start of the slot reserved for it (epoch ms); the wait ends just before. */
  readonly reservedAt?: number;
  /** `paced` only: slots reserved in a row from `reservedAt`, one per request the step sends (absent: 1). */
  readonly slots?: number;
  /** This wait's number among the step's waits in this run (1: its first). */
  readonly waits?: number;
}

/**
 * A pacing slot reserved for a step's next vendor call (src/client/pacing-reservation.ts), as the
 * state carries it: in a poll state (`poll.reservation`) and in a paced wait (`vendorWait`).
 */
export const pacingReservationSchema = z.object({
  operation: z.string().check(z.minLength(1)),
  /** The start of the slot, epoch ms. */
  reservedAt: z.number().check(z.nonnegative()),
  /** Slots held in a row from `reservedAt` (absent: 1). */
  slots: z.optional(z.number().check(z.int(), z.positive())),
});

/**
 * The last wait as a step's input carries it back (`null` before any wait): the state machine
 * passes `$.<result>.vendorWait`, which the first run finds initialised to null. A throttled
 * wait holds no slot (no `reservedAt`); the wait's other fields pass through.
 */
export const carriedVendorWaitSchema = z.nullable(
  z.looseObject({
    ...z.partial(pacingReservationSchema, { reservedAt: true, slots: true }).shape,
    waits: z.optional(z.number().check(z.int(), z.positive())),
  }),
);

/** What a step returns instead of its result when it has to wait its turn. */
export interface VendorWaitOutcome {
  readonly vendorWait: VendorWait;
}

export type CarriedVendorWait = z.infer<typeof carriedVendorWaitSchema>;

/** The invocation a pacing turn belongs to (both optional: a caller that knows neither). */
export interface StepAttempt {
  /** When the step's handler was entered (epoch ms), before the step's own work. */
  readonly startedAt?: number | undefined;
  /**
   * `$$.State.RetryCount`: 0 on the state's first attempt, n on its nth Retry. A retried attempt
   * forgets the reservation its input still carries: the failed attempt may already have sent on
   * that slot, and one slot serves one request.
   */
  readonly retryCount?: number | undefined;
  /**
   * The vendor requests the step sends in one run (default 1): a refused step reserves a slot for
   * each, so its next run sends them all on slots it holds.
   */
  readonly requests?: number | undefined;
}

/**
 * Runs a step's vendor call in its pacing turn when the step carries its wait through the state
 * machine (`carried` is defined, null before the first wait): a refused call then reserves its
 * slot, and a reservation `carried` holds is used (not on a Retry: see {@link StepAttempt}). A
 * caller that cannot carry it (undefined) is refused without reserving.
 */
export function inPacingTurn<T>(
  carried: CarriedVendorWait | undefined,
  call: () => Promise<T>,
  attempt: StepAttempt = {},
): Promise<T> {
  if (carried === undefined) return call();
  const held = (attempt.retryCount ?? 0) > 0 ? null : heldReservation(carried);
  return withPacingTurn(held, call, attempt.startedAt, attempt.requests);
}

function bounded(seconds: number): number {
  return Math.min(MAX_VENDOR_WAIT_SECONDS, Math.max(1, Math.ceil(seconds)));
}

/** The wait `err` asks for, or null when it is not a throttling or pacing refusal. */
export function vendorWaitFor(err: unknown, random: () => number = Math.random): VendorWait | null {
  if (err instanceof VendorPacingError) {
    const wait = {
      seconds: bounded(err.retryAfterSeconds),
      reason: 'paced',
      operation: err.operation,
    } as const;
    if (!err.reservation) return wait;
    const { reservedAt, slots } = err.reservation;
    return slots !== undefined && slots > 1 ? { ...wait, reservedAt, slots } : { ...wait, reservedAt };
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

/**
 * The wait a step that carries its waits (`carried`: its last one, null before any) returns for
 * `err`, numbered; null when `err` is no refusal. Throws `VendorRetryableError` once the step has
 * waited {@link MAX_VENDOR_WAITS} times in this run.
 */
export function nextVendorWait(
  err: unknown,
  carried: CarriedVendorWait | undefined,
  random: () => number = Math.random,
): VendorWait | null {
  const wait = vendorWaitFor(err, random);
  if (!wait) return null;
  const waits = (carried?.waits ?? 0) + 1;
  if (waits > MAX_VENDOR_WAITS) {
    throw new VendorRetryableError(
      failure(
        'vendor_waits_exhausted',
        `${wait.operation} waited its turn ${MAX_VENDOR_WAITS} times in this run and is still refused (${wait.reason}); the vendor's rate limit or the deployment's vendorRequestsPerSecond is too low for the runs at once: raise them together, or start fewer runs at once.`,
      ),
      { cause: err },
    );
  }
  return { ...wait, waits };
}

/** True for a step result that is a wait rather than the step's own result. */
export function isVendorWait(value: unknown): value is VendorWaitOutcome {
  return typeof value === 'object' && value !== null && 'vendorWait' in value;
}

/**
 * A step's result as a later state reads it: null while the step's path holds only its wait (the
 * state machine initialises it to `{ vendorWait: null }`, and a step that failed after waiting
 * leaves its last wait there).
 */
export function stepResultSchema<S extends z.core.$ZodType>(schema: S) {
  return z.preprocess((value) => (isVendorWait(value) ? null : value), z.nullable(schema));
}
