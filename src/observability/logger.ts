/**
 * The project's one Powertools setup: a redacting structured logger and CloudWatch EMF metrics in
 * the namespace the construct configures (`POWERTOOLS_METRICS_NAMESPACE`, default
 * `SimulacraPipeline`). Redaction is built into the logger, not left to callers:
 *
 * - {@link RedactingLogFormatter} redacts the message, every attribute (extra keys, persistent and
 *   temporary keys, nested objects, arrays) and every formatted error (message, stack, cause);
 * - {@link RedactingLogger} forces that formatter on itself and on every child logger, and wraps
 *   the JSON serialisation of each log line with {@link redactingJsonReplacer} as a last line of
 *   defence (it also covers buffered log lines).
 *
 * There is no X-Ray SDK in the handlers: Lambda's active tracing records each invocation, and the
 * SDK (about 130 KiB and 60 ms of module load per bundle) would only add a handler subsegment.
 */
import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type {
  ConstructorOptions,
  LogAttributes,
  UnformattedAttributes,
} from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { redact, redactingJsonReplacer, redactText, redactWith } from './redact.ts';

export { redact, redactText, isSensitiveKey, REDACTED } from './redact.ts';

/** Service name when neither the caller nor `POWERTOOLS_SERVICE_NAME` gives one. */
export const DEFAULT_SERVICE_NAME = 'simulacra-pipeline';
/** CloudWatch metrics namespace when `POWERTOOLS_METRICS_NAMESPACE` is not set. */
export const METRICS_NAMESPACE = 'SimulacraPipeline';

/** The namespace metrics go to: the construct's `POWERTOOLS_METRICS_NAMESPACE`, else the default. */
export function metricsNamespace(env: Record<string, string | undefined> = process.env): string {
  return env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE;
}

function serviceNameOr(serviceName: string | undefined): string {
  return serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME;
}

/**
 * The Powertools JSON log structure (level, message, timestamp, service, Lambda context, X-Ray
 * trace id, then the extra attributes) with every caller-supplied value redacted.
 */
export class RedactingLogFormatter extends LogFormatter {
  /** Builds one log item; everything a caller could have supplied passes through `redact`. */
  public formatAttributes(
    attributes: UnformattedAttributes,
    additionalLogAttributes: LogAttributes,
  ): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message:
        typeof attributes.message === 'string' ? redactText(attributes.message) : redact(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      tenant_id: attributes.lambdaContext?.tenantId,
    };
    // Errors keep Powertools' shape (with `location`); formatError below redacts them.
    const extra = redactWith(additionalLogAttributes, {
      formatError: (error) => this.formatError(error),
    }) as LogAttributes;
    return new LogItem({ attributes: base }).addAttributes(extra);
  }

  /** Powertools' error shape (name, location, message, stack, cause, extra fields), redacted. */
  public override formatError(error: Error): LogAttributes {
    return redact(super.formatError(error)) as LogAttributes;
  }
}

/**
 * A Powertools Logger that always redacts: the formatter and the JSON replacer are fixed (options
 * passed for them are ignored), and child loggers are redacting loggers too.
 */
export class RedactingLogger extends Logger {
  public constructor(options: ConstructorOptions = {}) {
    super({
      ...options,
      serviceName: serviceNameOr(options.serviceName),
      logFormatter: new RedactingLogFormatter(),
      jsonReplacerFn: redactingJsonReplacer,
    } as ConstructorOptions);
  }

  protected override createLogger(options?: ConstructorOptions): RedactingLogger {
    return new RedactingLogger(options);
  }

  public override createChild(options: ConstructorOptions = {}): RedactingLogger {
    return super.createChild(options) as RedactingLogger;
  }
}

/** A redacting logger for one service (default: `POWERTOOLS_SERVICE_NAME` or `simulacra-pipeline`). */
export function createLogger(serviceName?: string): RedactingLogger {
  return new RedactingLogger(serviceName === undefined ? {} : { serviceName });
}

/** The shared logger of every handler and core module. */
export const logger: RedactingLogger = createLogger();

/** The logger interface the metrics utility writes its warnings to. */
type MetricsLogger = NonNullable<NonNullable<ConstructorParameters<typeof Metrics>[0]>['logger']>;

/** Powertools' notice on a flush with nothing to flush; an invocation without metrics is normal. */
const EMPTY_METRICS_NOTICE = 'No application metrics to publish';

/**
 * Where the metrics utility writes its own warnings: the redacting logger, minus the notice that
 * an invocation had no metrics (it would be one warning per such invocation, reporting nothing).
 */
export const metricsWarningsLogger: MetricsLogger = {
  debug: (...content: unknown[]) => logger.debug(messageOf(content)),
  info: (...content: unknown[]) => logger.info(messageOf(content)),
  warn: (...content: unknown[]) => {
    const message = messageOf(content);
    if (!message.startsWith(EMPTY_METRICS_NOTICE)) logger.warn(message);
  },
  error: (...content: unknown[]) => logger.error(messageOf(content)),
};

function messageOf(content: readonly unknown[]): string {
  const [first] = content;
  return typeof first === 'string' ? first : JSON.stringify(first ?? '');
}

/** Pipeline metrics (EMF), in the namespace of {@link metricsNamespace}. */
export const metrics: Metrics = new Metrics({
  namespace: metricsNamespace(),
  serviceName: serviceNameOr(undefined),
  logger: metricsWarningsLogger,
});
