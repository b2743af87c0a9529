/**
 * The whole pipeline on one machine for end-to-end tests: the local environment of
 * `simulacra-pipeline demo` (moto provisioned from the synthesized stack, plus the simulator),
 * a {@link LocalPipelineRunner} executing the real state machines and handlers, and everything a
 * run leaves behind captured for checking: handler logs, execution histories and the
 * EventBridge events the record step sent.
 *
 * One {@link E2ePipeline} is meant to be shared by the cases of a test file, each case on its own
 * feed; {@link E2ePipeline.resetVendor} clears faults and counters between cases.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventBridge } from '../../../lambdas/commons/clients/event-bridge.ts';
import type { RunningSimulator } from '../../../simulator/index.ts';
import {
  startLocalEnvironment,
  type LocalEnvironment,
  type LocalEnvironmentOptions,
} from '../../../src/local/environment.ts';
import { runLocally, type LocalRunOptions, type LocalRunSummary } from '../../../src/local/local-run.ts';
import {
  LocalPipelineRunner,
  type ExecutionResult,
  type LocalRunnerOptions,
  type SeedDrop,
} from '../../../src/local/runner.ts';
import type { StartIngestOutcome } from '../../../src/pipeline/start-ingest.ts';
import { StateRepository } from '../../../src/state/repository.ts';
import { captureOutput } from '../credentials-harness.ts';
import { recordEventsOf, type CapturedEvent } from '../event-capture.ts';

export { exampleSeedCsv } from '../pipeline-harness.ts';
export type { CapturedEvent } from '../event-capture.ts';

/** Simulator timings that keep a run well under a second of vendor time. */
export const FAST_TIMINGS = { trainingMs: 30, generationMs: 30, pollAfterSeconds: 1 } as const;

/** What one pipeline invocation (a seed drop or a scheduled generation) left behind. */
export interface ObservedRun {
  /** start-ingest's answer; null for a generation started directly. */
  readonly outcome: StartIngestOutcome | null;
  /** The execution this invocation ran, if it ran one. */
  readonly execution: ExecutionResult | null;
  /** The run id (execution name), when there is one. */
  readonly runId: string | null;
  /** Everything the handlers (and libraries) wrote to stdout, stderr and the console meanwhile. */
  readonly logs: string;
  /** Events sent to EventBridge meanwhile. */
  readonly events: readonly CapturedEvent[];
}

export interface E2ePipelineOptions {
  readonly mode?: LocalEnvironmentOptions['mode'];
  /** Simulator options; timings default to {@link FAST_TIMINGS}. */
  readonly simulator?: LocalEnvironmentOptions['simulator'];
  /** Runner options; waits default to 1 ms and retry intervals to 5 ms. */
  readonly runner?: Omit<LocalRunnerOptions, 'env'>;
}

/** A running local pipeline plus the captures the e2e checks read. */
export interface E2ePipeline {
  readonly env: LocalEnvironment;
  readonly simulator: RunningSimulator;
  readonly runner: LocalPipelineRunner;
  readonly repo: StateRepository;
  /** Every event the pipeline sent since start, in order. */
  readonly events: readonly CapturedEvent[];
  /** Every run observed so far, in order (for a file-wide secret scan). */
  readonly observed: readonly ObservedRun[];
  /** Writes `seeds/<feed>/scenarios.json`: JSON for objects, verbatim for strings. */
  putScenarios(feed: string, scenarios: unknown): Promise<void>;
  /** Uploads a seed version and returns the drop S3 would announce. */
  putSeed(feed: string, fileName: string, body: string | Uint8Array): Promise<SeedDrop>;
  /** Passes the drop's "Object Created" event through start-ingest and runs what it started. */
  dropSeed(drop: SeedDrop): Promise<ObservedRun>;
  /** Runs the generate state machine for `feed` (what the schedule does) under `runId`. */
  generate(feed: string, runId: string): Promise<ObservedRun>;
  /**
   * One run as `simulacra-pipeline run` does it ({@link runLocally}: upload from local files, run,
   * read back manifests and query the landed data), in this environment.
   */
  runLocal(
    options: Omit<LocalRunOptions, 'environment' | 'onExecution' | 'mode' | 'simulator' | 'externalApi'>,
  ): Promise<{ summary: LocalRunSummary; run: ObservedRun }>;
  /** No faults, zeroed counters: a clean vendor for the next case. */
  resetVendor(): void;
  close(): Promise<void>;
}

/** Starts moto, provisions the stack, starts the simulator and wires the captures. */
export async function startE2ePipeline(options: E2ePipelineOptions = {}): Promise<E2ePipeline> {
  const env = await startLocalEnvironment({
    mode: options.mode ?? 'managed',
    simulator: { ...options.simulator, timings: { ...FAST_TIMINGS, ...options.simulator?.timings } },
  });
  const simulator = env.simulator;
  if (!simulator) throw new Error('the e2e pipeline needs the built-in simulator');
  // DEBUG: the secret scan then covers every line a handler can write.
  const handlerEnv = { ...env.env, POWERTOOLS_LOG_LEVEL: 'DEBUG' };
  const runner = new LocalPipelineRunner({
    waitMs: 1,
    retryIntervalMs: 5,
    ...options.runner,
    env: handlerEnv,
    iam: env.iam,
    functionLimits: env.stack.functionLimits,
  });
  Object.assign(process.env, handlerEnv);
  const events: CapturedEvent[] = [];
  // Created now, with the local endpoint in process.env: the handlers reuse this instance.
  recordEventsOf(eventBridge(), events);
  const repo = new StateRepository({
    tableName: env.names.stateTable,
    dynamo: DynamoDBDocumentClient.from(env.clients.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
  });
  const observed: ObservedRun[] = [];

  async function observe<T extends Pick<ObservedRun, 'outcome' | 'execution'>>(
    work: () => Promise<T>,
  ): Promise<{ result: T; run: ObservedRun }> {
    const firstEvent = events.length;
    const { result, output } = await captureOutput(work);
    const { outcome, execution } = result;
    const runId = execution?.name ?? (outcome && 'runId' in outcome ? outcome.runId : null);
    const run: ObservedRun = { outcome, execution, runId, logs: output, events: events.slice(firstEvent) };
    observed.push(run);
    return { result, run };
  }

  const { s3 } = env.clients;
  return {
    env,
    simulator,
    runner,
    repo,
    events,
    observed,
    async putScenarios(feed, scenarios) {
      await s3.send(
        new PutObjectCommand({
          Bucket: env.names.seedBucket,
          Key: `seeds/${feed}/scenarios.json`,
          Body: typeof scenarios === 'string' ? scenarios : JSON.stringify(scenarios),
          ContentType: 'application/json',
        }),
      );
    },
    async putSeed(feed, fileName, body) {
      const key = `seeds/${feed}/${fileName}`;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const put = await s3.send(
        new PutObjectCommand({ Bucket: env.names.seedBucket, Key: key, Body: bytes }),
      );
      return {
        bucket: env.names.seedBucket,
        key,
        size: bytes.byteLength,
        etag: put.ETag ?? null,
        versionId: put.VersionId ?? null,
      };
    },
    dropSeed: async (drop) => (await observe(() => runner.runSeedDrop(drop))).run,
    generate: async (feed, runId) =>
      (
        await observe(async () => ({
          outcome: null,
          execution: await runner.execute('generate', { feed }, runId),
        }))
      ).run,
    async runLocal(localOptions) {
      const { result, run } = await observe(async () => {
        let execution: ExecutionResult | null = null;
        const summary = await runLocally({
          waitMs: 1,
          ...localOptions,
          environment: env,
          onExecution: (finished) => {
            execution = finished;
          },
        });
        return { outcome: null, execution: execution as ExecutionResult | null, summary };
      });
      return { summary: result.summary, run };
    },
    resetVendor() {
      simulator.setFaults(undefined);
      simulator.resetCounters();
    },
    async close() {
      runner.dispose();
      await env.close();
    },
  };
}
