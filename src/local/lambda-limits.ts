/**
 * Lambda's limits for handlers run in-process by the local runner: the configured timeout
 * (`Lambda.Unknown`, "Task timed out", as Step Functions reports it), 6 MB request and response
 * payloads, and the process's peak resident memory during each invocation reported against the
 * configured memory size (in-process it is an upper bound: concurrent invocations share it).
 * The limits come from lib/pipeline-functions.ts, the list the construct builds its functions from.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PipelineFunctionSpec } from '../../lib/pipeline-functions.ts';
import { utf8JsonBytes } from './sfn-quotas.ts';

/** Synchronous invocation request and response payloads: 6 MB each. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

export interface FunctionLimits {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** An invocation error as Lambda (and Step Functions after it) names it. */
export class LambdaLimitError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the local runner measured for one function over an execution. */
export interface FunctionReport {
  readonly functionId: string;
  readonly invocations: number;
  readonly timeoutSeconds: number;
  readonly maxDurationMs: number;
  readonly memoryMb: number;
  /** Peak resident set size of the whole process during its invocations, MiB (an upper bound). */
  readonly peakRssMb: number;
}

/** Limits of a function: its spec, with optional overrides (tests shorten timeouts). */
export function limitsOf(spec: PipelineFunctionSpec, override?: Partial<FunctionLimits>): FunctionLimits {
  return {
    timeoutSeconds: override?.timeoutSeconds ?? spec.timeoutSeconds,
    memoryMb: override?.memoryMb ?? spec.memoryMb,
  };
}

/** Collects {@link FunctionReport}s and runs invocations within their function's limits. */
export class LambdaLimits {
  private readonly reports = new Map<string, { -readonly [K in keyof FunctionReport]: FunctionReport[K] }>();

  /** Reports by function id, in first-invocation order. */
  get functionReports(): FunctionReport[] {
    return [...this.reports.values()].map((r) => ({ ...r }));
  }

  /**
   * Invokes `run` with `event` as Lambda would: a request over 6 MB is refused, the invocation is
   * abandoned with `Lambda.Unknown` at the timeout (the handler's promise is left behind, as a
   * frozen sandbox would be), and a response over 6 MB fails.
   */
  async invoke(
    functionId: string,
    limits: FunctionLimits,
    event: unknown,
    run: () => Promise<unknown>,
  ): Promise<unknown> {
    const requestBytes = utf8JsonBytes(event);
    if (requestBytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
      throw new LambdaLimitError(
        'Lambda.RequestEntityTooLargeException',
        `Request must be smaller than ${LAMBDA_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation (${functionId} got ${requestBytes}).`,
      );
    }
    const report = this.reportFor(functionId, limits);
    report.invocations += 1;
    const started = Date.now();
    const sampler = setInterval(() => this.sample(report), 25);
    sampler.unref();
    const stop = new AbortController();
    try {
      const result = await Promise.race([
        run(),
        delay(limits.timeoutSeconds * 1000, undefined, { signal: stop.signal }).then(() => {
          throw new LambdaLimitError(
            'Lambda.Unknown',
            `Task timed out after ${limits.timeoutSeconds.toFixed(2)} seconds (${functionId})`,
          );
        }),
      ]);
      const responseBytes = utf8JsonBytes(result);
      if (responseBytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
        throw new LambdaLimitError(
          'Function.ResponseSizeTooLarge',
          `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_PAYLOAD_LIMIT_BYTES} bytes).`,
        );
      }
      return result;
    } finally {
      stop.abort();
      clearInterval(sampler);
      this.sample(report);
      report.maxDurationMs = Math.max(report.maxDurationMs, Date.now() - started);
    }
  }

  private reportFor(functionId: string, limits: FunctionLimits) {
    let report = this.reports.get(functionId);
    if (!report) {
      report = {
        functionId,
        invocations: 0,
        timeoutSeconds: limits.timeoutSeconds,
        maxDurationMs: 0,
        memoryMb: limits.memoryMb,
        peakRssMb: 0,
      };
      this.reports.set(functionId, report);
    }
    return report;
  }

  private sample(report: { peakRssMb: number }): void {
    report.peakRssMb = Math.max(report.peakRssMb, Math.round(process.memoryUsage.rss() / 2 ** 20));
  }
}
