/**
 * One local pipeline run, as `simulacra-pipeline demo` and `run` do it: start local AWS and the
 * simulator (or use another API), drop a seed (and its scenarios) into the seed bucket, pass the
 * S3 event through the real starter, execute the ingest state machine with the real handlers,
 * then read back what landed: manifests, the run record and a SQL query over the data.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableNameFor } from '../catalog/table-spec.ts';
import type { ConformanceReport } from '../conditions/conformance-report.ts';
import { parseScenarioFile } from '../conditions/scenario-file.ts';
import { headlineOf, type QualityHeadline } from '../landing/content-check.ts';
import { MANIFEST_PREFIX, QUARANTINE_PREFIX } from '../landing/layout.ts';
import type { LandingManifest } from '../landing/manifest.ts';
import type { RunFailure, RunRecord, ScenarioOutcome, ScenarioOutcomeKind } from '../state/records.ts';
import { StateRepository } from '../state/repository.ts';
import type { SimulatorOptions } from '../../simulator/index.ts';
import { startLocalEnvironment, type ExternalApi, type LocalEnvironment } from './environment.ts';
import { queryLake, sqlIdentifier, type QueryRow } from './lake-query.ts';
import { LocalPipelineRunner, type ExecutionResult } from './runner.ts';
import { pipelineStageReporter, type LocalRunStage } from './run-stages.ts';

export { pipelineStageReporter, type LocalRunStage } from './run-stages.ts';

export interface LocalRunOptions {
  /** The seed file (CSV or Parquet). */
  readonly seedFile: string;
  /** The feed's scenarios (`scenarios.json`); without it the feed's default scenario runs. */
  readonly scenariosFile?: string;
  /** Feed name (`seeds/<feed>/`). @default the seed file's base name, made path-safe */
  readonly feed?: string;
  readonly mode?: 'managed' | 'enterprise';
  /** Simulator options (timings, faults). */
  readonly simulator?: Omit<SimulatorOptions, 'mode' | 'enterprise'>;
  /** Use another Simulacra-compatible API instead of the simulator. */
  readonly externalApi?: ExternalApi;
  /** Copy landed objects and manifests here, mirroring their keys. */
  readonly outDir?: string;
  /** SQL to run over the landed data (views named after the feed); a default summary query otherwise. */
  readonly sql?: string;
  /** Real milliseconds per Wait state (the state machine's computed waits are skipped locally). */
  readonly waitMs?: number;
  /** Poll on the computed schedule compressed by this factor instead (see `LocalRunnerOptions.pollTimeScale`). */
  readonly pollTimeScale?: number;
  readonly onStage?: (stage: LocalRunStage, detail?: string) => void;
  /** Reuse a running environment instead of starting (and stopping) one. */
  readonly environment?: LocalEnvironment;
  /** Receives the finished ingest execution, with its full history (e.g. for a secret scan). */
  readonly onExecution?: (execution: ExecutionResult) => void;
}

/** Why something failed: the vendor's problem code when there was one. */
export interface LocalRunError {
  readonly code: string | null;
  readonly error: string | null;
  readonly detail: string | null;
  readonly requestId: string | null;
}

/** One scenario's outcome, from the run record and (when it landed) its manifest. */
export interface LocalScenarioSummary {
  readonly name: string;
  readonly outcome: ScenarioOutcomeKind;
  readonly generationId: string | null;
  readonly format: string | null;
  readonly rowsRequested: number | null;
  readonly rowsGenerated: number | null;
  readonly partial: boolean;
  readonly outputKey: string | null;
  readonly manifestKey: string | null;
  readonly conforms: boolean | null;
  readonly conformance: ConformanceReport | null;
  /** For `failed` and `skipped`: why. */
  readonly error: LocalRunError | null;
  /** Headline quality figures and the gate verdict; null when landed without a report. */
  readonly quality: QualityHeadline | null;
  /** True when the publish gate kept it in quarantine (no table reads it). */
  readonly quarantined: boolean;
}

export interface LocalRunSummary {
  /** SUCCEEDED: every scenario landed; PARTIAL: some did; FAILED: none did (docs/run-outcomes.md). */
  readonly status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'REJECTED' | 'IGNORED';
  readonly feed: string;
  readonly runId: string | null;
  readonly datasetId: string | null;
  readonly scenarios: readonly LocalScenarioSummary[];
  /** Why the run failed or was refused: the vendor's problem code when there was one. */
  readonly error: LocalRunError | null;
  readonly stateTransitions: number;
  /**
   * The SQL run over the landed data and its rows (null when nothing landed). `error` says why
   * there are no rows when the query could not run (e.g. only Arrow IPC landed, which Athena
   * cannot read either): the summary is complete regardless.
   */
  readonly query: {
    readonly sql: string;
    readonly rows: readonly QueryRow[];
    readonly error?: string | null;
  } | null;
  /** Where landed objects were copied to. */
  readonly localDir: string | null;
}

/** A feed name (`seeds/<feed>/`) from a file name: lower case, `[a-z0-9-]`. */
export function feedFromFileName(file: string): string {
  const stem = basename(file).replace(/\.[^.]+$/, '');
  const feed = stem
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return feed || 'feed';
}

/** The demo's default query: rows per scenario, and the first conditioned columns' spread. */
export function defaultQuery(feed: string): string {
  return `SELECT scenario, count(*)::INTEGER AS rows FROM ${sqlIdentifier(tableNameFor(feed))} GROUP BY ALL ORDER BY scenario`;
}

async function download(s3: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  mkdirSync(dirname(file), { recursive: true });
  await pipeline(object.Body as Readable, createWriteStream(file));
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function readManifest(s3: S3Client, bucket: string, key: string): Promise<LandingManifest> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(
    await (object.Body as { transformToString(): Promise<string> }).transformToString(),
  ) as LandingManifest;
}

function errorOf(failure: RunFailure): LocalRunError {
  return {
    code: failure.code,
    error: failure.error,
    detail: failure.detail ?? failure.message,
    requestId: failure.request_id,
  };
}

/**
 * A scenario's summary: its recorded outcome, with the manifest's numbers when it landed (or,
 * `quarantineKey`, when the publish gate kept it in quarantine: the outcome is then `failed`).
 */
function scenarioSummary(
  outcome: ScenarioOutcome,
  manifest: LandingManifest | null,
  quarantineKey?: string,
): LocalScenarioSummary {
  const conformance = (manifest?.conformance as unknown as ConformanceReport | null) ?? null;
  return {
    name: outcome.scenario,
    outcome: outcome.outcome,
    generationId: manifest?.generationId ?? outcome.generationId,
    format: manifest?.format ?? outcome.format,
    rowsRequested: manifest?.rowsRequested ?? outcome.rowsRequested,
    rowsGenerated: manifest?.rowsGenerated ?? outcome.rowsGenerated,
    partial: manifest?.partial ?? outcome.outcome === 'partial',
    outputKey: outcome.outputKey,
    manifestKey: outcome.manifestKey ?? quarantineKey ?? null,
    conforms: manifest?.conformance?.conforms ?? null,
    conformance,
    quality: manifest ? headlineOf(manifest) : null,
    quarantined: quarantineKey !== undefined,
    error: outcome.failure
      ? errorOf(outcome.failure)
      : outcome.reason
        ? { code: null, error: 'Skipped', detail: outcome.reason, requestId: null }
        : null,
  };
}

/** The summary's query: never throws, so a query problem cannot lose the run's summary. */
async function runQuery(
  lake: Parameters<typeof queryLake>[0],
  sql: string,
  scenarios: readonly LocalScenarioSummary[],
): Promise<NonNullable<LocalRunSummary['query']>> {
  const formats = new Set(scenarios.flatMap((s) => (s.outputKey ? [s.format] : [])));
  if (![...formats].some((format) => format === 'parquet' || format === 'csv')) {
    return {
      sql,
      rows: [],
      error: `Nothing queryable landed (${[...formats].join(', ')}): Athena and the local query read Parquet and CSV only.`,
    };
  }
  try {
    return { sql, rows: await queryLake(lake, sql), error: null };
  } catch (err) {
    return { sql, rows: [], error: (err as Error).message };
  }
}

function failureOf(run: RunRecord | null, execution: ExecutionResult | null): LocalRunSummary['error'] {
  if (run?.failure) return errorOf(run.failure);
  if (run?.rejection)
    return { code: run.rejection.code, error: 'Rejected', detail: run.rejection.reason, requestId: null };
  if (execution?.status === 'FAILED') {
    return { code: null, error: execution.error, detail: execution.cause, requestId: null };
  }
  return null;
}

/** Runs the pipeline once on a local seed and summarises what landed. */
export async function runLocally(options: LocalRunOptions): Promise<LocalRunSummary> {
  const stage = options.onStage ?? (() => undefined);
  const feed = options.feed ?? feedFromFileName(options.seedFile);
  // Validate the local inputs before starting anything: a clear error, nothing half-done.
  statSync(options.seedFile);
  const scenariosText = options.scenariosFile ? readFileSync(options.scenariosFile, 'utf8') : null;
  if (scenariosText !== null && options.scenariosFile)
    parseScenarioFile(scenariosText, options.scenariosFile);

  stage('environment');
  const env =
    options.environment ??
    (await startLocalEnvironment({
      mode: options.mode,
      simulator: options.simulator,
      externalApi: options.externalApi,
      feeds: [feed],
    }));
  try {
    const { s3 } = env.clients;
    const { seedBucket, outputBucket } = env.names;
    stage('upload', `s3://${seedBucket}/seeds/${feed}/`);
    if (scenariosText !== null) {
      await s3.send(
        new PutObjectCommand({
          Bucket: seedBucket,
          Key: `seeds/${feed}/scenarios.json`,
          Body: scenariosText,
          ContentType: 'application/json',
        }),
      );
    }
    const seedKey = `seeds/${feed}/${basename(options.seedFile)}`;
    const seedBytes = readFileSync(options.seedFile);
    const put = await s3.send(new PutObjectCommand({ Bucket: seedBucket, Key: seedKey, Body: seedBytes }));

    const runner = new LocalPipelineRunner({
      env: env.env,
      iam: env.iam,
      functionLimits: env.stack.functionLimits,
      waitMs: options.waitMs ?? 20,
      ...(options.pollTimeScale ? { pollTimeScale: options.pollTimeScale } : {}),
      onEvent: pipelineStageReporter((next) => stage(next)),
    });
    const drop = await runner.runSeedDrop({
      bucket: seedBucket,
      key: seedKey,
      size: seedBytes.length,
      etag: put.ETag ?? null,
      versionId: put.VersionId ?? null,
    });
    if (drop.execution) options.onExecution?.(drop.execution);

    stage('collect');
    const repo = new StateRepository({
      tableName: env.names.stateTable,
      dynamo: DynamoDBDocumentClient.from(env.clients.dynamodb),
    });
    const runId = 'runId' in drop.outcome ? drop.outcome.runId : null;
    const run = runId ? await repo.getRun(runId) : null;
    const recorded = run?.status;
    const status: LocalRunSummary['status'] =
      drop.outcome.outcome === 'rejected'
        ? 'REJECTED'
        : drop.outcome.outcome === 'ignored'
          ? 'IGNORED'
          : recorded === 'SUCCEEDED' || recorded === 'PARTIAL' || recorded === 'FAILED'
            ? recorded
            : drop.execution?.status === 'SUCCEEDED'
              ? 'SUCCEEDED'
              : 'FAILED';
    // Generations the publish gate quarantined are failed outcomes; their manifests say why.
    const quarantined = new Map<string, { manifest: LandingManifest; key: string }>();
    for (const key of await listKeys(
      s3,
      outputBucket,
      `${QUARANTINE_PREFIX}/${MANIFEST_PREFIX}/feed=${feed}/`,
    )) {
      const manifest = await readManifest(s3, outputBucket, key);
      if (manifest.runId === runId) quarantined.set(manifest.scenarioName, { manifest, key });
    }
    const scenarios: LocalScenarioSummary[] = [];
    for (const outcome of run?.scenarios ?? []) {
      const held = outcome.manifestKey ? undefined : quarantined.get(outcome.scenario);
      const manifest = outcome.manifestKey
        ? await readManifest(s3, outputBucket, outcome.manifestKey)
        : (held?.manifest ?? null);
      scenarios.push(scenarioSummary(outcome, manifest, held?.key));
    }

    let localDir: string | null = null;
    let query: LocalRunSummary['query'] = null;
    if (scenarios.some((scenario) => scenario.outputKey)) {
      localDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'simulacra-landed-'));
      const keys = [
        ...(await listKeys(s3, outputBucket, `synthetic/feed=${feed}/`)),
        ...(await listKeys(s3, outputBucket, `_manifests/feed=${feed}/`)),
      ];
      for (const key of keys) await download(s3, outputBucket, key, join(localDir, key));
      stage('query');
      const sql = options.sql ?? defaultQuery(feed);
      const lake = {
        glue: env.clients.glue,
        database: env.names.glueDatabase,
        bucket: outputBucket,
        root: localDir,
        feed,
      };
      query = await runQuery(lake, sql, scenarios);
    }
    return {
      status,
      feed,
      runId,
      datasetId: run?.datasetId ?? null,
      scenarios,
      error:
        status === 'SUCCEEDED'
          ? null
          : (failureOf(run, drop.execution) ??
            ('reason' in drop.outcome
              ? { code: null, error: drop.outcome.outcome, detail: drop.outcome.reason, requestId: null }
              : null)),
      stateTransitions: drop.execution?.stateTransitions ?? 0,
      query,
      localDir,
    };
  } finally {
    if (!options.environment) await env.close();
  }
}
