/**
 * The running invocation's deadline: when Lambda will stop it (from the context's remaining
 * time), less a margin to map the error and answer. Calls that can wait long (the vendor client's
 * retry loop) end by then with their own typed, retryable error, so a slow call at scale fails
 * the step in a way the state machine retries instead of the function timing out.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from 'aws-lambda';

/** Kept free at the end of an invocation: at most this, at most a tenth of the invocation. */
export const INVOCATION_MARGIN_MS = 1_000;

interface RunningInvocation {
  readonly deadline: number | null;
  readonly signal: AbortSignal | null;
}

const invocations = new AsyncLocalStorage<RunningInvocation>();

/**
 * Runs `work` as the invocation of `context` (its deadline visible to {@link invocationDeadline},
 * its abort signal to {@link invocationSignal}).
 */
export function withinInvocation<T>(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  signal: AbortSignal | null,
  work: () => T,
): T {
  const remaining = context?.getRemainingTimeInMillis?.();
  const timed = typeof remaining === 'number' && Number.isFinite(remaining);
  const deadline = timed ? Date.now() + remaining - Math.min(INVOCATION_MARGIN_MS, remaining / 10) : null;
  if (deadline === null && signal === null) return work();
  return invocations.run({ deadline, signal }, work);
}

/** When the running invocation's calls must have ended (epoch ms), or null outside one. */
export function invocationDeadline(): number | null {
  return invocations.getStore()?.deadline ?? null;
}

/**
 * The signal aborted when the running invocation gives up at its timeout, or null outside one:
 * calls made on its behalf (the vendor client's) stop with it.
 */
export function invocationSignal(): AbortSignal | null {
  return invocations.getStore()?.signal ?? null;
}
