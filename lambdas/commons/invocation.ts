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

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` as the invocation of `context` (its deadline visible to {@link invocationDeadline}). */
export function withinInvocation<T>(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  work: () => T,
): T {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return work();
  const margin = Math.min(INVOCATION_MARGIN_MS, remaining / 10);
  return deadlines.run(Date.now() + remaining - margin, work);
}

/** When the running invocation's calls must have ended (epoch ms), or null outside one. */
export function invocationDeadline(): number | null {
  return deadlines.getStore() ?? null;
}
