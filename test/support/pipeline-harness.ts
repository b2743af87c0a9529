/**
 * One test file's local world for the pipeline: moto as AWS with the stack's resources
 * provisioned from the synthesized template, the Simulacra simulator, and a LocalPipelineRunner
 * running the real handlers with every AWS call judged against each function's IAM role.
 * `usePipelineHarness()` starts it before the file's tests and stops it after them.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { eventBridge } from '../../lambdas/commons/clients/event-bridge.ts';
import type { RunningSimulator, SimulatorOptions } from '../../simulator/index.ts';
import {
  startLocalEnvironment,
  type LocalEnvironment,
  type LocalEnvironmentOptions,
} from '../../src/local/environment.ts';
import type { RunningMoto } from '../../src/local/moto.ts';
import { LocalPipelineRunner, type LocalRunnerOptions, type SeedDrop } from '../../src/local/runner.ts';
import { readManifest, type LandingManifest } from '../../src/landing/manifest.ts';
import { StateRepository } from '../../src/state/repository.ts';
import { recordEventsOf, type CapturedEvent } from './event-capture.ts';

export interface PipelineHarness {
  readonly moto: RunningMoto;
  readonly simulator: RunningSimulator;
  readonly runner: LocalPipelineRunner;
  readonly s3: S3Client;
  readonly repo: StateRepository;
  readonly environment: LocalEnvironment;
  readonly names: {
    seedBucket: string;
    outputBucket: string;
    table: string;
    bus: string;
    glueDatabase: string;
  };
  readonly env: Readonly<Record<string, string>>;
  /** Every EventBridge entry the handlers sent, in order. */
  readonly events: readonly CapturedEvent[];
  /** Uploads a seed file and returns the drop S3 would announce. */
  putSeed(feed: string, fileName: string, body: string | Uint8Array): Promise<SeedDrop>;
  putScenarios(feed: string, scenarios: unknown): Promise<void>;
  /** The landing manifest at `key` in the output bucket. */
  readManifest(key: string): Promise<LandingManifest>;
  /** Keys of the output bucket under `prefix`, sorted. */
  outputKeys(prefix: string): Promise<string[]>;
  /** Keys the feed landed (`synthetic/feed=<feed>/`), sorted. */
  feedKeys(feed: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly simulator?: Omit<SimulatorOptions, 'enterprise' | 'mode'>;
  readonly mode?: 'managed' | 'enterprise';
  readonly runner?: Omit<LocalRunnerOptions, 'env' | 'iam' | 'functionLimits'>;
  /** Handler variables over the stack's (what another construct configuration would set). */
  readonly env?: Readonly<Record<string, string>>;
  /** A stack with automatic credential rotation (its RotateCredentials function). */
  readonly credentialsRotation?: boolean;
  /** Schedules of the stack (created on moto's EventBridge Scheduler). @default none */
  readonly schedules?: LocalEnvironmentOptions['schedules'];
}

/** A small seed with a categorical and a numeric column (enough rows to train). */
export function exampleSeedCsv(rows = 120): string {
  const segments = ['Premium', 'Mainstream', 'Value'];
  const regions = ['North', 'South', 'East', 'West'];
  const lines = ['segment,region,age,spend'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `${segments[i % 3]},${regions[(i * 7) % 4]},${18 + ((i * 13) % 60)},${(20 + ((i * 37) % 400)).toFixed(2)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startPipelineHarness(options: HarnessOptions = {}): Promise<PipelineHarness> {
  const environment = await startLocalEnvironment({
    mode: options.mode ?? 'managed',
    ...(options.credentialsRotation ? { credentialsRotation: true } : {}),
    ...(options.schedules ? { schedules: options.schedules } : {}),
    simulator: {
      ...options.simulator,
      timings: { trainingMs: 30, generationMs: 30, pollAfterSeconds: 1, ...options.simulator?.timings },
    },
  });
  const { moto, clients, names: local } = environment;
  const simulator = environment.simulator;
  if (!simulator) throw new Error('the pipeline harness needs the built-in simulator');
  const s3 = clients.s3;
  const names = {
    seedBucket: local.seedBucket,
    outputBucket: local.outputBucket,
    table: local.stateTable,
    bus: local.eventBus,
    glueDatabase: local.glueDatabase,
  };
  const env: Record<string, string> = {
    ...environment.env,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // What the construct sets from `artifactTenantId`: the simulator's tenant exists only now.
    ...(options.mode === 'enterprise' ? { ARTIFACT_TENANT_ID: simulator.demoTenant.tenantId } : {}),
    ...options.env,
  };
  Object.assign(process.env, env);
  const events: CapturedEvent[] = [];
  // Created now, with moto's endpoint in process.env: the handlers reuse this instance.
  recordEventsOf(eventBridge(), events);
  const runner = new LocalPipelineRunner({
    ...options.runner,
    env,
    iam: environment.iam,
    functionLimits: environment.stack.functionLimits,
  });
  const repo = new StateRepository({
    tableName: names.table,
    dynamo: DynamoDBDocumentClient.from(clients.dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
  });

  async function outputKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await s3.send(
        new ListObjectsV2Command({ Bucket: names.outputBucket, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(out.Contents ?? []).map((o) => o.Key!));
      token = out.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  return {
    moto,
    simulator,
    environment,
    runner,
    s3,
    repo,
    names,
    env,
    events,
    async putSeed(feed, fileName, body) {
      const key = `seeds/${feed}/${fileName}`;
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      const out = await s3.send(new PutObjectCommand({ Bucket: names.seedBucket, Key: key, Body: bytes }));
      return {
        bucket: names.seedBucket,
        key,
        size: bytes.byteLength,
        etag: out.ETag ?? null,
        versionId: out.VersionId ?? null,
      };
    },
    async putScenarios(feed, scenarios) {
      await s3.send(
        new PutObjectCommand({
          Bucket: names.seedBucket,
          Key: `seeds/${feed}/scenarios.json`,
          Body: JSON.stringify(scenarios),
        }),
      );
    },
    async readManifest(key) {
      const manifest = await readManifest(s3, names.outputBucket, key);
      if (!manifest) throw new Error(`no manifest at s3://${names.outputBucket}/${key}`);
      return manifest;
    },
    outputKeys,
    feedKeys: (feed) => outputKeys(`synthetic/feed=${feed}/`),
    async stop() {
      runner.dispose();
      await environment.close();
    },
  };
}

/**
 * Starts a harness before the calling file's tests and stops it after them. Returns the harness
 * as a live view: read its members inside tests and hooks (they exist once `beforeAll` ran).
 */
export function usePipelineHarness(options: HarnessOptions = {}): PipelineHarness {
  let started: PipelineHarness | undefined;
  beforeAll(async () => {
    started = await startPipelineHarness(options);
  });
  afterAll(async () => started?.stop());
  return new Proxy({} as PipelineHarness, {
    get(_, member) {
      if (!started)
        throw new Error(`The pipeline harness is not started yet (read .${String(member)} inside a test).`);
      return started[member as keyof PipelineHarness];
    },
  });
}
