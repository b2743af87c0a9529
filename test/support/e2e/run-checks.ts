/**
 * What every e2e case checks after a run, against the real local resources: landed objects and
 * their manifests (S3), the Glue table and partitions, the DynamoDB run and feed records, the
 * emitted EventBridge events, the simulator's counters, and a secret scan over everything
 * captured (handler logs, execution histories, events, records).
 */
import { createHash } from 'node:crypto';
import { GetPartitionCommand, GetTablesCommand, type Partition, type Table } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { SimulatorCounters } from '../../../simulator/index.ts';
import { DATA_PREFIX, MANIFEST_PREFIX } from '../../../src/landing/layout.ts';
import { readManifest, type LandingManifest } from '../../../src/landing/manifest.ts';
import { scanForSecrets, scannedJson, type ScannedText } from '../secret-scan.ts';
import { DetailType, EVENT_SOURCE } from '../../../src/events/catalog.ts';
import type { RunFailure, RunRecord } from '../../../src/state/records.ts';
import type { CapturedEvent, E2ePipeline, ObservedRun } from './local-pipeline.ts';

/** Keys under `prefix` in the output bucket. */
export async function outputKeys(p: E2ePipeline, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await p.env.clients.s3.send(
      new ListObjectsV2Command({
        Bucket: p.env.names.outputBucket,
        Prefix: prefix,
        ContinuationToken: token,
      }),
    );
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** Data objects and manifests landed for a feed. */
export async function landedForFeed(
  p: E2ePipeline,
  feed: string,
): Promise<{ data: string[]; manifests: string[] }> {
  return {
    data: await outputKeys(p, `${DATA_PREFIX}/feed=${feed}/`),
    manifests: await outputKeys(p, `${MANIFEST_PREFIX}/feed=${feed}/`),
  };
}

export async function objectBytes(p: E2ePipeline, key: string): Promise<Uint8Array> {
  const out = await p.env.clients.s3.send(
    new GetObjectCommand({ Bucket: p.env.names.outputBucket, Key: key }),
  );
  if (!out.Body) throw new Error(`s3://${p.env.names.outputBucket}/${key} has no body`);
  return out.Body.transformToByteArray();
}

/**
 * The feed's current Glue table holding `format` (a feed landing two formats has
 * `<feed>_<format>`; a schema change Athena could not read by position starts `<table>_v2`).
 */
export async function feedTable(p: E2ePipeline, feed: string, format: string): Promise<Table | null> {
  const out = await p.env.clients.glue.send(new GetTablesCommand({ DatabaseName: p.env.names.glueDatabase }));
  return (
    (out.TableList ?? []).find(
      (t) =>
        t.Parameters?.['simulacra.feed'] === feed &&
        t.Parameters.classification === format &&
        !t.Parameters['simulacra.superseded_by'],
    ) ?? null
  );
}

/** The registered partition of a landed manifest, or null. */
export async function manifestPartition(
  p: E2ePipeline,
  table: string,
  manifest: LandingManifest,
): Promise<Partition | null> {
  try {
    const out = await p.env.clients.glue.send(
      new GetPartitionCommand({
        DatabaseName: p.env.names.glueDatabase,
        TableName: table,
        PartitionValues: [manifest.scenarioName, manifest.dt, manifest.generationId],
      }),
    );
    return out.Partition ?? null;
  } catch (err) {
    if ((err as Error).name === 'EntityNotFoundException') return null;
    throw err;
  }
}

/** Events of one run by detail type. */
export function runEvents(run: ObservedRun, detailType: string): CapturedEvent[] {
  return run.events.filter(
    (e) => e.source === EVENT_SOURCE && e.detailType === detailType && e.detail.runId === run.runId,
  );
}

/** A landed scenario: its run output, manifest and Glue partition. */
export interface LandedScenario {
  readonly manifest: LandingManifest;
  readonly partition: Partition;
  readonly table: Table;
}

/**
 * Checks a succeeded run end to end and returns its record and landed scenarios: the run record
 * lists exactly `scenarios`, each output object exists with the bytes its manifest describes,
 * its Glue partition points at it, one "Scenario Landed" event per scenario and one "Run
 * Finished" (SUCCEEDED) were sent, and (for ingest runs) the feed record points at the run's dataset.
 */
export async function expectSucceededRun(
  p: E2ePipeline,
  run: ObservedRun,
  scenarios: readonly string[],
): Promise<{ record: RunRecord; landed: LandedScenario[] }> {
  expect(run.execution?.status, `${run.execution?.error ?? ''} ${run.execution?.cause ?? ''}`).toBe(
    'SUCCEEDED',
  );
  const record = await p.repo.getRun(run.runId ?? '');
  expect(record?.status).toBe('SUCCEEDED');
  expect(record?.eventsPublishedAt).toBeTruthy();
  const outputs = record?.outputs ?? [];
  expect(outputs.map((o) => o.scenario).sort()).toEqual([...scenarios].sort());

  const landed: LandedScenario[] = [];
  for (const output of outputs) {
    const manifest = await readManifest(p.env.clients.s3, p.env.names.outputBucket, output.manifestKey);
    if (!manifest) throw new Error(`no manifest at ${output.manifestKey}`);
    expect(manifest).toMatchObject({
      runId: run.runId,
      feed: record?.feed,
      scenarioName: output.scenario,
      generationId: output.generationId,
      datasetId: record?.datasetId,
      outputKey: output.outputKey,
      format: output.format,
      rowsGenerated: output.rowsGenerated,
      partial: output.partial,
    });
    expect(manifest.rowsGenerated).toBeGreaterThan(0);
    const bytes = await objectBytes(p, output.outputKey);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(manifest.sha256);
    expect(bytes.byteLength).toBe(manifest.bytes);

    const table = await feedTable(p, manifest.feed, manifest.format);
    if (!table?.Name) throw new Error(`no Glue table for feed ${manifest.feed} (${manifest.format})`);
    const partition = await manifestPartition(p, table.Name, manifest);
    if (!partition)
      throw new Error(`no Glue partition ${manifest.scenarioName}/${manifest.dt}/${manifest.generationId}`);
    const location = partition.StorageDescriptor?.Location ?? '';
    expect(
      `s3://${p.env.names.outputBucket}/${output.outputKey}`.startsWith(location.replace(/\/?$/, '/')),
    ).toBe(true);
    landed.push({ manifest, partition, table });
  }

  const published = runEvents(run, DetailType.scenarioLanded);
  expect(published.map((e) => e.detail.generationId).sort()).toEqual(
    outputs.map((o) => o.generationId).sort(),
  );
  const finished = runEvents(run, DetailType.runFinished);
  expect(finished.map((e) => e.detail.status)).toEqual(['SUCCEEDED']);
  if (record?.kind === 'ingest' && record.feed) {
    expect((await p.repo.getFeed(record.feed))?.datasetId).toBe(record.datasetId);
  }
  return { record: record as RunRecord, landed };
}

/**
 * Checks a failed run: the record is FAILED with `failure` (partial match, e.g. the vendor
 * code), exactly one "Run Finished" (FAILED) event carrying the same code was sent and nothing was published.
 */
export async function expectFailedRun(
  p: E2ePipeline,
  run: ObservedRun,
  failure: Partial<RunFailure>,
): Promise<RunRecord> {
  expect(run.execution?.status).toBe('FAILED');
  const record = await p.repo.getRun(run.runId ?? '');
  expect(record).toMatchObject({ status: 'FAILED', failure });
  expect(record?.eventsPublishedAt).toBeTruthy();
  expect(record?.outputs ?? []).toEqual([]);
  const failed = runEvents(run, DetailType.runFinished);
  expect(failed).toHaveLength(1);
  expect(failed[0]?.detail).toMatchObject({
    runId: run.runId,
    status: 'FAILED',
    failure: { code: record?.failure?.code },
  });
  expect(runEvents(run, DetailType.scenarioLanded)).toEqual([]);
  return record as RunRecord;
}

/**
 * No vendor work was done twice, and exactly `expected.trainings` trainings and
 * `expected.generations` generations ran (since the last counter reset).
 */
export function expectNoDuplicateVendorWork(
  counters: SimulatorCounters,
  expected: { trainings: number; generations: number },
): void {
  expect(counters.duplicateWork).toBe(0);
  expect(counters.trainings).toBe(expected.trainings);
  expect(counters.generationsExecuted).toBe(expected.generations);
}

/** Everything a run left behind that could leak a secret, as scannable texts. */
export function capturedTexts(run: ObservedRun, extra: readonly ScannedText[] = []): ScannedText[] {
  const label = run.runId ?? 'no-run';
  return [
    { source: `log:${label}`, text: run.logs },
    ...(run.execution
      ? [scannedJson(`history:${run.execution.stateMachine}/${run.execution.name}`, run.execution.events)]
      : []),
    scannedJson(`events:${label}`, run.events),
    ...(run.outcome ? [scannedJson(`start-ingest:${label}`, run.outcome)] : []),
    ...extra,
  ];
}

/**
 * Scans the run's logs, execution history and events, its DynamoDB run and feed records, its
 * manifests and `extra` for every secret the simulator handed out (and anything secret-shaped);
 * expects none.
 */
export async function expectNoSecrets(
  p: E2ePipeline,
  run: ObservedRun,
  extra: readonly ScannedText[] = [],
): Promise<void> {
  const record = run.runId ? await p.repo.getRun(run.runId) : null;
  const stored: ScannedText[] = [scannedJson(`record:${run.runId ?? ''}`, record)];
  if (record?.feed) stored.push(scannedJson(`feed:${record.feed}`, await p.repo.getFeed(record.feed)));
  for (const output of record?.outputs ?? []) {
    const manifest = await objectBytes(p, output.manifestKey);
    stored.push({ source: `manifest:${output.manifestKey}`, text: Buffer.from(manifest).toString('utf8') });
  }
  const texts = capturedTexts(run, [...extra, ...stored]);
  // Guards against a scan that passes because it saw nothing.
  expect(run.logs, 'no handler log line was captured').toMatch(/"level":"(DEBUG|INFO|WARN|ERROR)"/);
  if (run.execution) expect(run.execution.events.length).toBeGreaterThan(0);
  const known = p.simulator.sensitiveValues();
  expect(known.map((v) => v.kind)).toContain('bearer_token');
  expect(scanForSecrets(texts, known)).toEqual([]);
}
