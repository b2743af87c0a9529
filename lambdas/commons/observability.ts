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

/** A plain async Lambda handler. */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

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
 * per invocation) and metrics flushed at the end; {@link invocationTimedOut} at the timeout.
 */
export function withObservability<TEvent, TResult>(
  handler: AsyncHandler<TEvent, TResult>,
): AsyncHandler<TEvent, TResult> {
  const wrapped = middy<TEvent, TResult>(handler, {
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: invocationTimedOut,
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  return (event, context) => wrapped(event, context);
}
