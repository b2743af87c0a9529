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

export { logger, metrics };
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** A plain async Lambda handler. */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Wraps `handler` with Powertools middlewares: the Lambda context on every log line (keys reset
 * per invocation) and metrics flushed at the end.
 */
export function withObservability<TEvent, TResult>(
  handler: AsyncHandler<TEvent, TResult>,
): AsyncHandler<TEvent, TResult> {
  const wrapped = middy<TEvent, TResult>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  return (event, context) => wrapped(event, context);
}
