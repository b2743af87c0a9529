/**
 * Benchmark 4, scale: 200 seed files dropped at once (200 feeds, tiny distinct seeds, one small
 * scenario each) against a simulator whose rate limiter answers 429 beyond `ratePerSecond`
 * requests per second on every route. Checks that every run lands exactly once (objects in the
 * lake, run records, simulator duplicate work) and compares the wall time with the limiter's
 * ideal (accepted vendor calls / rate). Run alone: `tsx bench/scale.ts`.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startLocalEnvironment } from '../src/local/environment.ts';
import { LocalPipelineRunner, type SeedDropResult } from '../src/local/runner.ts';
import { exampleSeedCsv } from '../test/support/pipeline-harness.ts';
import { isMain, ratio, round, runAsScript, writeResult } from './common.ts';
import { quietHandlerEnv } from './pipeline-run.ts';

/**
 * Real milliseconds between Step Functions Retry attempts. The ASL retries vendor throttling 5x
 * from 5 s doubling (cap 120 s) with full jitter: about 2.5 + 5 + 10 + 20 + 40 = 77.5 s of
 * expected patience. The runner only knows one fixed interval; 15 s x 5 gives the same total.
 */
export const SCALE_RETRY_INTERVAL_MS = 15_000;

export interface ScaleData {
  readonly seeds: number;
  readonly ratePerSecond: number;
  readonly wallSeconds: number;
  readonly acceptedVendorCalls: number;
  readonly rateLimited429s: number;
  /** acceptedVendorCalls / ratePerSecond. */
  readonly idealSeconds: number;
  readonly wallOverIdeal: number | null;
  readonly succeededRuns: number;
  readonly failedRuns: readonly { feed: string; error: string | null }[];
  readonly landedObjects: number;
  readonly distinctLandedFeeds: number;
  readonly trainings: number;
  readonly generationsExecuted: number;
  readonly duplicateWork: number;
  /** 429s answered per run (each is retried by the client or a Step Functions Retry). */
  readonly vendor429sPerRun: number;
  /** Step Functions `Retry` attempts per run (after the client's own retries gave up). */
  readonly stateRetriesPerRun: number;
  readonly maxStateTransitionsPerRun: number;
  readonly callsByRoute: Readonly<Record<string, number>>;
  readonly retryIntervalMs: number;
}

/** Every object key under `prefix` (paginated). */
async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = out.NextContinuationToken;
  } while (token);
  return keys;
}

export async function runScaleBenchmark(options: { seeds?: number; ratePerSecond?: number } = {}) {
  const startedAt = performance.now();
  const seeds = options.seeds ?? 200;
  const ratePerSecond = options.ratePerSecond ?? 20;
  const env = await startLocalEnvironment({
    simulator: {
      timings: { trainingMs: 50, generationMs: 50, pollAfterSeconds: 1 },
      faults: `*:rate=${ratePerSecond}/s`,
    },
  });
  try {
    const simulator = env.simulator;
    if (!simulator) throw new Error('the benchmark needs the built-in simulator');
    const s3 = env.clients.s3;
    const bucket = env.names.seedBucket;
    const feeds = Array.from({ length: seeds }, (_, i) => `scale-${String(i).padStart(3, '0')}`);
    const drops = await Promise.all(
      feeds.map(async (feed, i) => {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `seeds/${feed}/scenarios.json`,
            Body: JSON.stringify({ scenarios: [{ name: 'tiny', row_count: 20, output_format: 'csv' }] }),
          }),
        );
        // Distinct bytes per seed: identical seeds would (rightly) count as duplicate training.
        const body = Buffer.from(`${exampleSeedCsv(60)}Value,North,${18 + (i % 60)},${i}.25\n`);
        const put = await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: `seeds/${feed}/seed.csv`, Body: body }),
        );
        return {
          bucket,
          key: `seeds/${feed}/seed.csv`,
          size: body.byteLength,
          etag: put.ETag ?? null,
          versionId: put.VersionId ?? null,
        };
      }),
    );
    const runner = new LocalPipelineRunner({
      env: quietHandlerEnv(env.env),
      retryIntervalMs: SCALE_RETRY_INTERVAL_MS,
    });
    simulator.resetCounters();
    const dropped = performance.now();
    const results: SeedDropResult[] = await Promise.all(drops.map((drop) => runner.runSeedDrop(drop)));
    const wallSeconds = round((performance.now() - dropped) / 1000, 1);
    const counters = simulator.counters();
    const executions = results.map((r) => r.execution);
    const failedRuns = executions.flatMap((e, i) =>
      e?.status === 'SUCCEEDED'
        ? []
        : [{ feed: feeds[i] as string, error: e ? `${e.error}: ${e.cause}` : 'not started' }],
    );
    const landed = await listAll(s3, env.names.outputBucket, 'synthetic/');
    const landedFeeds = new Set(landed.map((key) => /feed=([^/]+)/.exec(key)?.[1]));
    const acceptedVendorCalls =
      Object.values(counters.calls).reduce((a, b) => a + b, 0) - (counters.faults.rate ?? 0);
    const idealSeconds = round(acceptedVendorCalls / ratePerSecond, 1);
    const stateRetries = executions.reduce(
      (sum, e) => sum + (e?.events.filter((ev) => ev.type === 'StateRetried').length ?? 0),
      0,
    );
    const data: ScaleData = {
      seeds,
      ratePerSecond,
      wallSeconds,
      acceptedVendorCalls,
      rateLimited429s: counters.faults.rate ?? 0,
      idealSeconds,
      wallOverIdeal: ratio(wallSeconds, idealSeconds),
      succeededRuns: executions.filter((e) => e?.status === 'SUCCEEDED').length,
      failedRuns,
      landedObjects: landed.length,
      distinctLandedFeeds: landedFeeds.size,
      trainings: counters.trainings,
      generationsExecuted: counters.generationsExecuted,
      duplicateWork: counters.duplicateWork,
      vendor429sPerRun: round((counters.faults.rate ?? 0) / seeds, 2),
      stateRetriesPerRun: round(stateRetries / seeds, 2),
      maxStateTransitionsPerRun: Math.max(...executions.map((e) => e?.stateTransitions ?? 0)),
      callsByRoute: counters.calls,
      retryIntervalMs: SCALE_RETRY_INTERVAL_MS,
    };
    console.log(
      `[scale] ${data.succeededRuns}/${seeds} runs succeeded, ${data.landedObjects} objects landed, duplicate work ${data.duplicateWork}, ` +
        `${wallSeconds} s vs ideal ${idealSeconds} s (${data.wallOverIdeal}x), ${data.vendor429sPerRun} 429s/run, ${data.stateRetriesPerRun} state retries/run`,
    );
    return writeResult('scale', startedAt, data);
  } finally {
    await env.close();
  }
}

if (isMain(import.meta.url)) runAsScript(() => runScaleBenchmark());
