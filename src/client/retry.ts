/**
 * Jittered exponential backoff with a deadline, honouring `Retry-After`. Time, sleeping and
 * randomness are injectable so tests run without waiting.
 */

/** Retry tuning of a client (all optional; see {@link DEFAULT_RETRY}). */
export interface RetryOptions {
  /** Total HTTP attempts per call, including the first (and the one after a 401 re-mint). */
  readonly maxAttempts?: number;
  /** Backoff base: attempt n waits a random time in [0, base · 2^(n−1)], capped by maxDelayMs. */
  readonly baseDelayMs?: number;
  /** Upper bound of one computed backoff (a longer `Retry-After` is honoured if the deadline allows). */
  readonly maxDelayMs?: number;
  /** Wall-clock budget of one call across all attempts and waits. */
  readonly deadlineMs?: number;
  /**
   * Longest `Retry-After` waited in process. A longer one ends the call at once with the error
   * (its `retryAfterSeconds` set), so a caller such as a Step Functions Wait can do the waiting
   * instead of a running Lambda.
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Jitter added on top of a `Retry-After`: a random share up to this fraction of it, so clients
   * throttled together do not all come back in the same instant.
   */
  readonly retryAfterJitter?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  deadlineMs: 120_000,
  maxRetryAfterMs: 120_000,
  retryAfterJitter: 0.2,
};

/** Time sources; tests replace them. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/**
 * Parses a `Retry-After` value (delay-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Returns null when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/** "Full jitter" backoff for the wait after failed attempt number `attempt` (1-based). */
export function backoffDelay(attempt: number, options: Required<RetryOptions>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` plus up to `retryAfterJitter` of it at random (at least 1 ms of spread). */
export function jitteredRetryAfter(
  retryAfterMs: number,
  options: Required<RetryOptions>,
  random: () => number,
): number {
  return retryAfterMs + Math.floor(random() * Math.max(1, retryAfterMs * options.retryAfterJitter));
}

/**
 * How long to wait before the next attempt, or null when no further attempt may start: attempts
 * exhausted, a `Retry-After` longer than `maxRetryAfterMs`, or the wait would end past the deadline.
 */
export function nextDelay(input: {
  attempt: number;
  startedAt: number;
  retryAfterMs: number | null;
  options: Required<RetryOptions>;
  clock: Clock;
}): number | null {
  const { attempt, startedAt, retryAfterMs, options, clock } = input;
  if (attempt >= options.maxAttempts) return null;
  if (retryAfterMs !== null && retryAfterMs > options.maxRetryAfterMs) return null;
  const random = () => clock.random();
  const delay =
    retryAfterMs === null
      ? backoffDelay(attempt, options, random)
      : jitteredRetryAfter(retryAfterMs, options, random);
  if (clock.now() + delay >= startedAt + options.deadlineMs) return null;
  return delay;
}

/** Resolves user options against {@link DEFAULT_RETRY}, rejecting nonsense early. */
export function resolveRetryOptions(options: RetryOptions | undefined): Required<RetryOptions> {
  const resolved = { ...DEFAULT_RETRY, ...stripUndefined(options ?? {}) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < (name === 'maxAttempts' ? 1 : 0)) {
      throw new RangeError(
        `retry.${name} must be a finite number ${name === 'maxAttempts' ? '>= 1' : '>= 0'}`,
      );
    }
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
