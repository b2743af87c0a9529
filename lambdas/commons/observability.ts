/**
 * Logging and metrics for handlers: the project's one redacting Powertools setup, and a middy
 * wrapper that adds the Lambda context to logs and flushes metrics. Tracing is Lambda's active
 * tracing (set by the construct); no X-Ray SDK is bundled.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics } from '../../src/observability/logger.ts';
import { InvocationTimeoutError, failure } from '../../src/contracts/state-errors.ts';

export { logger, metrics };
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** What middy hands a handler beside the event and context. */
export interface HandlerOptions {
  /**
   * Aborted when the invocation gives up at its early timeout. Lambda freezes the sandbox after the
   * error response and the Retry usually lands in the same warm sandbox, so work that does not stop
   * here resumes beside the retry: everything long-running must honour it.
   */
  readonly signal: AbortSignal;
}

/** A plain async Lambda handler (`options` is given by middy; a bare caller may omit it). */
export type AsyncHandler<TEvent, TResult> = (
  event: TEvent,
  context: Context,
  options?: HandlerOptions,
) => Promise<TResult>;

/** How long before Lambda's timeout the invocation gives up with {@link InvocationTimeoutError}. */
export const TIMEOUT_EARLY_MS = 250;

/**
 * What an invocation that reaches its timeout throws: a typed error the state machines retry
 * (middy's own is a bare `TimeoutError` that no Retry matches, so the run failed at once).
 */
function invocationTimedOut(): never {
  const error = new InvocationTimeoutError(
    failure(
      'invocation_timeout',
      'The function reached its configured timeout before it finished; the step is retried. ' +
        'If this repeats, raise the function timeout or look for a slow dependency.',
    ),
  );
  logger.error('invocation timed out', { error: error.name, details: error.details });
  throw error;
}

/**
 * Wraps `handler` with Powertools middlewares: the Lambda context on every log line (keys reset
 * per invocation) and metrics flushed at the end; {@link invocationTimedOut} at the timeout, when
 * middy also aborts the signal it passes to `handler`.
 */
export function withObservability<TEvent, TResult>(
  handler: (event: TEvent, context: Context, options: HandlerOptions) => Promise<TResult>,
): AsyncHandler<TEvent, TResult> {
  const wrapped = middy<TEvent, TResult>(handler, {
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: invocationTimedOut,
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  return (event, context) => wrapped(event, context);
}
