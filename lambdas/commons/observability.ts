/**
 * Logging, metrics and tracing for handlers: the project's one redacting Powertools setup, and
 * a middy wrapper that adds the Lambda context to logs, flushes metrics and traces the handler.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from '../../src/observability/logger.ts';
import type { StateError } from './errors.ts';

export { logger, metrics, tracer };
export { MetricUnit } from '@aws-lambda-powertools/metrics';

/** A plain async Lambda handler. */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Wraps `handler` with Powertools middlewares: the Lambda context on every log line (keys reset
 * per invocation), metrics flushed at the end, and an X-Ray subsegment around the call.
 */
export function withObservability<TEvent, TResult>(
  handler: AsyncHandler<TEvent, TResult>,
): AsyncHandler<TEvent, TResult> {
  const wrapped = middy<TEvent, TResult>(handler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(captureLambdaHandler(tracer));
  return (event, context) => wrapped(event, context);
}

/**
 * Logs a handler failure already mapped to a state error (its name and scrubbed details only)
 * and returns it, for `throw logStateError('...', mapped)`.
 */
export function logStateError(message: string, error: StateError): StateError {
  logger.error(message, { error: error.name, details: error.details });
  return error;
}
