/**
 * Lambda's limits for handlers run in-process by the local runner: the configured timeout
 * (`Lambda.Unknown`, "Task timed out", as Step Functions reports it), 6 MB request and response
 * payloads, `/tmp` bounded by the configured ephemeral storage (each container has its own, see
 * lambda-tmp.ts; an invocation that overfills it fails with ENOSPC), and the process's peak
 * resident memory during each invocation reported against the configured memory size
 * (in-process it is an upper bound: concurrent invocations share it). The limits are read from
 * the synthesized template (each function's Timeout, MemorySize and EphemeralStorage).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { directoryBytes } from '../landing/spool.ts';
import { declareTmpVolume } from '../landing/tmp-volume.ts';
import { noSpaceLeft, type TmpContainers } from './lambda-tmp.ts';
import { utf8JsonBytes } from './sfn-quotas.ts';
import { functionIdOf, type CfnTemplate } from './template-model.ts';

/** Synchronous invocation request and response payloads: 6 MB each. */
export const LAMBDA_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** What Lambda applies when a function's template sets no Timeout, MemorySize or EphemeralStorage. */
export const LAMBDA_DEFAULT_LIMITS: FunctionLimits = {
  timeoutSeconds: 3,
  memoryMb: 128,
  ephemeralStorageMb: 512,
};

/** How often a running invocation's `/tmp` is measured (alone; see {@link tmpSampleMs}). */
const TMP_SAMPLE_MS = 50;
/** How often the process's resident memory is sampled while any invocation runs. */
const RSS_SAMPLE_MS = 25;

/** Invocations running now, across runners: what the shared samplers look after. */
const inFlight = new Set<{ peakRssMb: number }>();
let rssSampler: NodeJS.Timeout | null = null;

/**
 * One process-wide memory sampler, however many invocations run at once (a timer per invocation
 * would, at 1,000 concurrent executions, take the event loop the handlers need).
 */
function trackRss(report: { peakRssMb: number }): () => void {
  inFlight.add(report);
  rssSampler ??= setInterval(() => {
    const rss = Math.round(process.memoryUsage.rss() / 2 ** 20);
    for (const r of inFlight) r.peakRssMb = Math.max(r.peakRssMb, rss);
  }, RSS_SAMPLE_MS).unref();
  return () => {
    inFlight.delete(report);
    if (inFlight.size === 0 && rssSampler) {
      clearInterval(rssSampler);
      rssSampler = null;
    }
  };
}

/**
 * The interval between two `/tmp` measurements of one invocation: 50 ms alone, longer when many
 * run at once so all of them together walk at most about 400 directories a second (an overfilled
 * `/tmp` is still caught at the end of the invocation).
 */
function tmpSampleMs(): number {
  return Math.max(TMP_SAMPLE_MS, inFlight.size * 2.5);
}

export interface FunctionLimits {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** `/tmp` size, MB. */
  readonly ephemeralStorageMb: number;
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
  readonly ephemeralStorageMb: number;
  /** Most bytes its container's `/tmp` held during an invocation. */
  readonly peakTmpBytes: number;
  /** Bytes its container's `/tmp` still held after its last invocation (0 when it cleans up). */
  readonly tmpBytesAfter: number;
}

/** Each Lambda function's limits in a synthesized template, by construct id. */
export function templateFunctionLimits(template: CfnTemplate): Readonly<Record<string, FunctionLimits>> {
  const limits: Record<string, FunctionLimits> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const id = functionIdOf(resource);
    if (!id) continue;
    const props = resource.Properties ?? {};
    const storage = props['EphemeralStorage'] as { Size?: unknown } | undefined;
    limits[id] = {
      timeoutSeconds: numberOr(props['Timeout'], LAMBDA_DEFAULT_LIMITS.timeoutSeconds),
      memoryMb: numberOr(props['MemorySize'], LAMBDA_DEFAULT_LIMITS.memoryMb),
      ephemeralStorageMb: numberOr(storage?.Size, LAMBDA_DEFAULT_LIMITS.ephemeralStorageMb),
    };
  }
  return limits;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

type MutableReport = { -readonly [K in keyof FunctionReport]: FunctionReport[K] };

/** Collects {@link FunctionReport}s and runs invocations within their function's limits. */
export class LambdaLimits {
  private readonly reports = new Map<string, MutableReport>();

  /** `containers`: the runner's function containers, whose `/tmp` persists across executions. */
  constructor(private readonly containers: TmpContainers) {}

  /** Reports by function id, in first-invocation order. */
  get functionReports(): FunctionReport[] {
    return [...this.reports.values()].map((r) => ({ ...r }));
  }

  /**
   * Invokes `run` with `event` as Lambda would: a request over 6 MB is refused; `run` gets its
   * container's `/tmp`; the invocation is abandoned with `Lambda.Unknown` at the timeout and with
   * ENOSPC as soon as `/tmp` holds more than the ephemeral storage (the handler's promise is left
   * behind, as a frozen sandbox would be; a write through the spool helpers that would not fit
   * fails itself with ENOSPC, see tmp-volume.ts); a response over 6 MB fails, and so does an invocation
   * after which `/tmp` holds more than the storage (a write the sampling missed).
   */
  async invoke(
    functionId: string,
    limits: FunctionLimits,
    event: unknown,
    run: (tmpDir: string) => Promise<unknown>,
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
    const container = await this.containers.acquire(functionId);
    const storageBytes = limits.ephemeralStorageMb * 2 ** 20;
    const measureTmp = async (): Promise<number> => {
      const bytes = await directoryBytes(container.dir);
      report.peakTmpBytes = Math.max(report.peakTmpBytes, bytes);
      return bytes;
    };
    // Writes through the spool helpers are charged to the container's /tmp as they happen: one
    // that would not fit fails at once, as on Lambda, even if its file is gone before a sample.
    const withdrawVolume = declareTmpVolume({
      root: container.dir,
      capacityBytes: storageBytes,
      usedBytes: await measureTmp(),
      full: (attempted) => noSpaceLeft(functionId, attempted, limits.ephemeralStorageMb),
    });
    const started = Date.now();
    this.sample(report);
    const untrack = trackRss(report);
    const stop = new AbortController();
    try {
      const result = await Promise.race([
        run(container.dir),
        delay(limits.timeoutSeconds * 1000, undefined, { signal: stop.signal }).then(() => {
          throw new LambdaLimitError(
            'Lambda.Unknown',
            `Task timed out after ${limits.timeoutSeconds.toFixed(2)} seconds (${functionId})`,
          );
        }),
        watchTmp(measureTmp, storageBytes, stop.signal).then((bytes) => {
          throw noSpaceLeft(functionId, bytes, limits.ephemeralStorageMb);
        }),
      ]);
      const after = await measureTmp();
      if (after > storageBytes) throw noSpaceLeft(functionId, after, limits.ephemeralStorageMb);
      const responseBytes = utf8JsonBytes(result);
      if (responseBytes > LAMBDA_PAYLOAD_LIMIT_BYTES) {
        throw new LambdaLimitError(
          'Function.ResponseSizeTooLarge',
          `Response payload size (${responseBytes} bytes) exceeded maximum allowed payload size (${LAMBDA_PAYLOAD_LIMIT_BYTES} bytes).`,
        );
      }
      return result;
    } finally {
      withdrawVolume();
      stop.abort();
      untrack();
      this.sample(report);
      report.maxDurationMs = Math.max(report.maxDurationMs, Date.now() - started);
      report.tmpBytesAfter = await measureTmp();
      this.containers.release(container);
    }
  }

  private reportFor(functionId: string, limits: FunctionLimits): MutableReport {
    let report = this.reports.get(functionId);
    if (!report) {
      report = {
        functionId,
        invocations: 0,
        timeoutSeconds: limits.timeoutSeconds,
        maxDurationMs: 0,
        memoryMb: limits.memoryMb,
        peakRssMb: 0,
        ephemeralStorageMb: limits.ephemeralStorageMb,
        peakTmpBytes: 0,
        tmpBytesAfter: 0,
      };
      this.reports.set(functionId, report);
    }
    return report;
  }

  private sample(report: { peakRssMb: number }): void {
    report.peakRssMb = Math.max(report.peakRssMb, Math.round(process.memoryUsage.rss() / 2 ** 20));
  }
}

/** Resolves with the bytes `/tmp` holds once they exceed `storageBytes`; never, until `signal`. */
async function watchTmp(
  measure: () => Promise<number>,
  storageBytes: number,
  signal: AbortSignal,
): Promise<number> {
  for (;;) {
    const bytes = await measure();
    if (bytes > storageBytes) return bytes;
    try {
      await delay(tmpSampleMs(), undefined, { signal });
    } catch {
      // Aborted: the invocation ended; stay pending forever (the race is settled).
      return new Promise<number>(() => undefined);
    }
  }
}
