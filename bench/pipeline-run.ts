/**
 * One ingest run of the real pipeline (real handlers, real ASL via LocalPipelineRunner, moto, the
 * simulator) on a SCALED clock, so a 5-minute training and a 2-minute generation take seconds:
 *
 * - the simulator's job durations are divided by `scale`, and its clock runs `scale` times as fast
 *   from the start, so the job timestamps it reports (and the feed's job history built from them)
 *   are in the run's simulated seconds;
 * - the runner's Wait states are near-instant (`waitMs: 1`), and the PollJob binding sleeps the
 *   wait the ASL would do (`poll.nextWaitSeconds` from the poll Lambda) divided by `scale`,
 *   counted from the end of the create call before the first poll (a Wait starts when its Task
 *   returned) and from the start of the previous poll after that, so the real time a poll handler
 *   takes does not stretch the schedule;
 * - every handler is timed (for Lambda GB-seconds) around the real handler.
 *
 * `policy: 'naive'` emulates the vendor quickstart's machine: the same states, but every wait is
 * a fixed 2 s (the binding rewrites `nextWaitSeconds` to 2 on every running poll state).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { pipelineFunctions } from '../lib/pipeline-functions.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../src/local/environment.ts';
import { LocalPipelineRunner, type ExecutionResult, type LocalHandler } from '../src/local/runner.ts';
import type { SimulatorCounters } from '../simulator/index.ts';
import { exampleSeedCsv } from '../test/support/pipeline-harness.ts';
import { REPO_ROOT } from './common.ts';

/** The vendor quickstart polls every 2 seconds. */
export const NAIVE_POLL_SECONDS = 2;

export interface ScaledRunOptions {
  readonly policy: 'pipeline' | 'naive';
  readonly trainingSeconds: number;
  readonly generationSeconds: number;
  /** Real time = simulated time / scale. */
  readonly scale: number;
  /** Rows of the dropped seed (default 120): each run of a feed drops a new seed version. */
  readonly seedRows?: number;
}

/** A clock that starts now and runs `scale` times as fast as the real one. */
export function dilatedClock(scale: number, start: number = Date.now()): () => number {
  const realStart = performance.now();
  return () => start + Math.round((performance.now() - realStart) * scale);
}

export interface InvocationTiming {
  readonly functionId: string;
  readonly memoryMb: number;
  readonly ms: number;
}

export interface ScaledRunResult {
  readonly execution: ExecutionResult;
  readonly invocations: readonly InvocationTiming[];
  readonly counters: SimulatorCounters;
  readonly realSeconds: number;
}

/**
 * The handlers' environment with their logs silenced: hundreds of invocations would flood the
 * terminal. Applied by the runner before the handler modules load, so Powertools reads it.
 */
export function quietHandlerEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...env, POWERTOOLS_LOG_LEVEL: 'SILENT' };
}

/** Any `{ status: 'running', nextWaitSeconds }` inside `value`, rewritten to wait `seconds`. */
export function forceWaitSeconds(value: unknown, seconds: number): unknown {
  if (Array.isArray(value)) return value.map((v) => forceWaitSeconds(v, seconds));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = forceWaitSeconds(v, seconds);
  if (out.status === 'running' && typeof out.nextWaitSeconds === 'number') out.nextWaitSeconds = seconds;
  return out;
}

async function realHandler(entry: string): Promise<LocalHandler> {
  const mod = (await import(`${REPO_ROOT}/${entry}`)) as { handler: LocalHandler };
  return mod.handler;
}

/** Starts a local environment whose simulator runs jobs of the given (scaled) durations. */
export function startScaledEnvironment(options: ScaledRunOptions): Promise<LocalEnvironment> {
  return startLocalEnvironment({
    feeds: ['bench'],
    simulator: {
      now: dilatedClock(options.scale),
      timings: {
        trainingMs: Math.round((options.trainingSeconds * 1000) / options.scale),
        generationMs: Math.round((options.generationSeconds * 1000) / options.scale),
        pollAfterSeconds: NAIVE_POLL_SECONDS,
      },
    },
  });
}

/** Runs one single-scenario ingest in `env` and returns what it cost. */
export async function runScaledIngest(
  env: LocalEnvironment,
  options: ScaledRunOptions,
  feed: string,
): Promise<ScaledRunResult> {
  if (!env.simulator) throw new Error('the scaled run needs the built-in simulator');
  Object.assign(process.env, quietHandlerEnv(env.env));
  const invocations: InvocationTiming[] = [];
  // When the Wait before the next poll started: the end of a create call, the start of a poll.
  let lastCallStart = performance.now();
  const overrides: Record<string, LocalHandler> = {};
  for (const spec of pipelineFunctions) {
    if (!spec.aslPlaceholder) continue;
    const real = await realHandler(spec.entry);
    overrides[spec.id] = async (event: unknown, context: Context) => {
      if (spec.id === 'PollJob') {
        const waited = (event as { poll: { nextWaitSeconds: number } }).poll.nextWaitSeconds;
        const due = lastCallStart + (waited * 1000) / options.scale;
        const delay = due - performance.now();
        if (delay > 0) await sleep(delay);
      }
      const started = performance.now();
      lastCallStart = started;
      try {
        const result = await real(event, context);
        return options.policy === 'naive' ? forceWaitSeconds(result, NAIVE_POLL_SECONDS) : result;
      } finally {
        const ended = performance.now();
        if (spec.id !== 'PollJob') lastCallStart = ended;
        invocations.push({ functionId: spec.id, memoryMb: spec.memoryMb, ms: ended - started });
      }
    };
  }
  const runner = new LocalPipelineRunner({
    env: quietHandlerEnv(env.env),
    waitMs: 1,
    handlerOverrides: overrides,
  });
  const s3 = env.clients.s3;
  await s3.send(
    new PutObjectCommand({
      Bucket: env.names.seedBucket,
      Key: `seeds/${feed}/scenarios.json`,
      Body: JSON.stringify({ scenarios: [{ name: 'baseline', row_count: 100, output_format: 'csv' }] }),
    }),
  );
  const seed = Buffer.from(exampleSeedCsv(options.seedRows));
  const put = await s3.send(
    new PutObjectCommand({ Bucket: env.names.seedBucket, Key: `seeds/${feed}/seed.csv`, Body: seed }),
  );
  env.simulator.resetCounters();
  const started = performance.now();
  lastCallStart = started;
  const drop = await runner.runSeedDrop({
    bucket: env.names.seedBucket,
    key: `seeds/${feed}/seed.csv`,
    size: seed.byteLength,
    etag: put.ETag ?? null,
    versionId: put.VersionId ?? null,
  });
  const realSeconds = (performance.now() - started) / 1000;
  const execution = drop.execution;
  if (!execution) throw new Error(`the seed drop was not started: ${JSON.stringify(drop.outcome)}`);
  if (execution.status !== 'SUCCEEDED') {
    throw new Error(`the ${options.policy} run failed: ${execution.error ?? ''} ${execution.cause ?? ''}`);
  }
  return { execution, invocations, counters: env.simulator.counters(), realSeconds };
}
