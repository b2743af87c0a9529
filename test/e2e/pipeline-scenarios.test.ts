/**
 * The whole system on moto + the simulator (managed mode): one local environment for the file,
 * each case on its own feed, vendor faults and counters reset between cases. After every run the
 * landed objects, manifests, Glue catalog, DynamoDB records, emitted events and simulator
 * counters are checked, and everything captured is scanned for secrets.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonSummary, textReport } from '../../src/cli/local-run-report.ts';
import { scannedJson } from '../support/secret-scan.ts';
import { DetailType } from '../../src/events/catalog.ts';
import { exampleSeedCsv, startE2ePipeline, type E2ePipeline } from '../support/e2e/local-pipeline.ts';
import { queryLanded } from '../support/e2e/lake.ts';
import {
  expectFailedRun,
  expectNoDuplicateVendorWork,
  expectNoSecrets,
  expectSucceededRun,
  feedTable,
  landedForFeed,
  manifestPartition,
  runEvents,
} from '../support/e2e/run-checks.ts';
import { INFEASIBLE_SCENARIO, PREMIUM_SCENARIO } from '../fixtures/scenarios.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'seeds');
const CREATE_DATASET = 'POST /v1/datasets';
const CREATE_GENERATION = 'POST /v1/datasets/{dataset_id}/generations';
const DOWNLOAD = 'GET /v1/generations/{generation_id}/download';

let p: E2ePipeline;
beforeAll(async () => {
  p = await startE2ePipeline();
});
afterAll(async () => p?.close());
beforeEach(() => p.resetVendor());

/**
 * A seed no other case uploaded: the simulator counts training the same bytes twice (even for
 * another feed) as duplicate work.
 */
let seedRows = 120;
function freshSeed(): string {
  return exampleSeedCsv(seedRows++);
}

function baseline(rows = 120, format = 'parquet'): Record<string, unknown> {
  return { name: 'baseline', row_count: rows, output_format: format };
}

async function seedObjectExists(key: string): Promise<boolean> {
  try {
    await p.env.clients.s3.send(new HeadObjectCommand({ Bucket: p.env.names.seedBucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('pipeline scenarios, managed mode', () => {
  it('1. happy path: one seed drop lands, catalogs, records and announces its scenario', async () => {
    await p.putScenarios('happy', { scenarios: [baseline(150)] });
    const run = await p.dropSeed(await p.putSeed('happy', 'seed.csv', freshSeed()));
    expect(run.outcome?.outcome).toBe('started');
    const { landed } = await expectSucceededRun(p, run, ['baseline']);
    expect(landed[0]?.manifest).toMatchObject({
      rowsRequested: 150,
      rowsGenerated: 150,
      partial: false,
      artifactEncryption: 'managed',
    });
    expect(landed[0]?.table.Name).toBe('happy');
    expect(await landedForFeed(p, 'happy')).toEqual({
      data: [landed[0]?.manifest.outputKey],
      manifests: [expect.stringContaining(landed[0]?.manifest.generationId ?? '?')],
    });
    expect(await queryLanded(p, 'happy', 'SELECT count(*)::INTEGER AS n FROM "happy"')).toEqual([{ n: 150 }]);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 1 });
    await expectNoSecrets(p, run);
  });

  it('3. two scenarios in one run: both land, in their own format tables, from one dataset', async () => {
    await p.putScenarios('twofold', {
      scenarios: [PREMIUM_SCENARIO, baseline(80, 'csv')],
    });
    const run = await p.dropSeed(await p.putSeed('twofold', 'seed.csv', freshSeed()));
    const { record, landed } = await expectSucceededRun(p, run, ['baseline', 'premium']);
    expect(new Set(landed.map((l) => l.manifest.datasetId))).toEqual(new Set([record.datasetId]));
    // Whichever format registers first owns the feed's table; the other gets `<feed>_<format>`.
    expect(new Set(landed.map((l) => l.table.Name)).size).toBe(2);
    for (const { table, manifest } of landed) {
      expect([table.Name === 'twofold', table.Name === `twofold_${manifest.format}`]).toContain(true);
    }
    const premium = landed.find((l) => l.manifest.scenarioName === 'premium');
    expect(premium?.manifest.conformance?.conforms).toBe(true);
    expect((await landedForFeed(p, 'twofold')).data).toHaveLength(2);
    expect(runEvents(run, DetailType.scenarioLanded)).toHaveLength(2);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 2 });
    await expectNoSecrets(p, run);
  });

  it('4. duplicate seed event: one execution, one vendor dataset, one landing', async () => {
    await p.putScenarios('dupes', { scenarios: [baseline()] });
    const drop = await p.putSeed('dupes', 'seed.csv', freshSeed());
    const first = await p.dropSeed(drop);
    const second = await p.dropSeed(drop);
    expect(first.outcome?.outcome).toBe('started');
    expect(second.outcome).toMatchObject({ outcome: 'duplicate', runId: first.runId });
    expect(second.execution).toBeNull();
    // At-least-once: the duplicate only re-announces the acceptance, under the same event id.
    const accepted = (run: typeof first) => runEvents(run, DetailType.seedAccepted);
    expect(second.events).toEqual(accepted(second));
    expect(accepted(second).map((e) => e.detail.eventId)).toEqual(
      accepted(first).map((e) => e.detail.eventId),
    );
    await expectSucceededRun(p, first, ['baseline']);
    const runs = await p.repo.listFeedRuns('dupes');
    expect(runs.map((r) => r.runId)).toEqual([first.runId]);
    expect((await landedForFeed(p, 'dupes')).data).toHaveLength(1);
    expect(p.simulator.counters().calls[CREATE_DATASET]).toBe(1);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 1 });
    await expectNoSecrets(p, first);
    await expectNoSecrets(p, second);
  });

  it('5. a second seed version with another schema: the catalog never misaligns columns, older partitions stay readable', async () => {
    await p.putScenarios('evolving', { scenarios: [{ ...baseline(), name: 'wave-1' }] });
    const v1 = await p.dropSeed(await p.putSeed('evolving', 'seed.csv', freshSeed()));
    const first = await expectSucceededRun(p, v1, ['wave-1']);
    const feedV1 = await p.repo.getFeed('evolving');
    const tableV1 = first.landed[0]!.table;

    // Version 2 of the same object: `region` dropped (from the middle), `tier` added.
    const v2Seed = freshSeed()
      .trimEnd()
      .split('\n')
      .map((line, i) => {
        const [segment, , age, spend] = line.split(',');
        return [segment, age, spend, i === 0 ? 'tier' : ['gold', 'silver', 'bronze'][i % 3]].join(',');
      })
      .join('\n');
    await p.putScenarios('evolving', { scenarios: [{ ...baseline(), name: 'wave-2' }] });
    const v2 = await p.dropSeed(await p.putSeed('evolving', 'seed.csv', `${v2Seed}\n`));
    expect(v2.runId).not.toBe(v1.runId);
    const second = await expectSucceededRun(p, v2, ['wave-2']);

    const feedV2 = await p.repo.getFeed('evolving');
    expect(feedV2?.datasetId).not.toBe(feedV1?.datasetId);
    expect(feedV2?.schemaFingerprint).not.toBe(feedV1?.schemaFingerprint);
    expect(feedV2?.latestSeed?.versionId).not.toBe(feedV1?.latestSeed?.versionId);

    // Parquet is read by position (index access), so a column dropped from the middle would shift
    // every later column: the new schema starts the feed's next table, the old one points to it.
    const table = await feedTable(p, 'evolving', 'parquet');
    expect(table?.Name).toBe(`${tableV1.Name ?? ''}_v2`);
    expect(second.landed[0]?.table.Name).toBe(table?.Name);
    const tableColumns = (table?.StorageDescriptor?.Columns ?? []).map((c) => c.Name);
    expect(tableColumns).toContain('tier');
    expect(tableColumns).not.toContain('region');
    const oldPartition = await manifestPartition(p, tableV1.Name ?? '', first.landed[0]!.manifest);
    const oldColumns = (oldPartition?.StorageDescriptor?.Columns ?? []).map((c) => c.Name);
    expect(oldColumns).toContain('region');
    expect(oldColumns).not.toContain('tier');

    const { data } = await landedForFeed(p, 'evolving');
    expect(data).toEqual([first.landed[0]?.manifest.outputKey, second.landed[0]?.manifest.outputKey].sort());
    const count = (t: string, column: string) =>
      `SELECT scenario, count(*)::INTEGER AS n, count(${column})::INTEGER AS c FROM "${t}" GROUP BY scenario`;
    expect(await queryLanded(p, 'evolving', count(tableV1.Name ?? '', 'region'))).toEqual([
      { scenario: 'wave-1', n: 120, c: 120 },
    ]);
    expect(await queryLanded(p, 'evolving', count(table?.Name ?? '', 'tier'))).toEqual([
      { scenario: 'wave-2', n: 120, c: 120 },
    ]);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 2, generations: 2 });
    await expectNoSecrets(p, v1);
    await expectNoSecrets(p, v2);
  });

  it('6. partial generation (through the CLI run path): flagged in manifest, record, event and summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-partial-'));
    writeFileSync(join(dir, 'seed.csv'), freshSeed());
    writeFileSync(
      join(dir, 'scenarios.json'),
      JSON.stringify({
        scenarios: [INFEASIBLE_SCENARIO],
      }),
    );
    const { summary, run } = await p.runLocal({
      seedFile: join(dir, 'seed.csv'),
      scenariosFile: join(dir, 'scenarios.json'),
      feed: 'tight',
    });
    const { record, landed } = await expectSucceededRun(p, run, ['young-value']);
    const rows = landed[0]?.manifest.rowsGenerated ?? 0;
    expect(landed[0]?.manifest.partial).toBe(true);
    expect(rows).toBeLessThan(200);
    expect(record.outputs?.[0]).toMatchObject({ partial: true, rowsGenerated: rows });
    expect(runEvents(run, DetailType.scenarioLanded)[0]?.detail).toMatchObject({ partial: true });

    expect(summary).toMatchObject({ status: 'SUCCEEDED', runId: run.runId, datasetId: record.datasetId });
    expect(summary.scenarios[0]).toMatchObject({ partial: true, rowsRequested: 200, rowsGenerated: rows });
    expect(jsonSummary(summary).scenarios).toEqual([expect.objectContaining({ status: 'partial' })]);
    expect(textReport(summary)).toContain('PARTIAL');
    expect(summary.query?.rows).toEqual([{ scenario: 'young-value', rows }]);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 1 });
    await expectNoSecrets(p, run, [scannedJson('summary', jsonSummary(summary))]);
  });

  it('7. vendor fault storms (429, 5xx, connection resets): everything lands exactly once', async () => {
    p.simulator.setFaults(
      [
        'POST /oauth/token:503x1',
        'POST /v1/datasets:429x1@retry=0',
        'POST /v1/datasets:503x1',
        'reset:POST /v1/datasets:1',
        'GET /v1/jobs/*:429x2@retry=0',
        'GET /v1/jobs/*:500x1',
        'reset:POST /v1/datasets/*/generations:2',
        'POST /v1/datasets/*/generations:502x1',
        'GET /v1/generations/*:504x1',
        'reset:GET /v1/generations/*/download:1',
        'GET /v1/generations/*/download:503x1',
      ].join(';'),
    );
    await p.putScenarios('storm', { scenarios: [baseline(), { ...baseline(60, 'csv'), name: 'small' }] });
    const run = await p.dropSeed(await p.putSeed('storm', 'seed.csv', freshSeed()));
    await expectSucceededRun(p, run, ['baseline', 'small']);
    const counters = p.simulator.counters();
    expect(counters.faults['reset'] ?? 0).toBeGreaterThanOrEqual(3);
    expect(counters.faults['status:429'] ?? 0).toBeGreaterThanOrEqual(2);
    expect(Object.values(counters.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    expect(counters.calls[CREATE_GENERATION] ?? 0).toBeGreaterThan(2);
    const landed = await landedForFeed(p, 'storm');
    expect(landed.data).toHaveLength(2);
    expect(landed.manifests).toHaveLength(2);
    expectNoDuplicateVendorWork(counters, { trainings: 1, generations: 2 });
    await expectNoSecrets(p, run);
  });

  it('8. download URL expired before landing: a fresh URL is fetched and the artifact lands once', async () => {
    p.simulator.setFaults('download:expire=1s;GET /v1/generations/*/download:latency=1500msx1');
    await p.putScenarios('expiry', { scenarios: [baseline()] });
    const run = await p.dropSeed(await p.putSeed('expiry', 'seed.csv', freshSeed()));
    await expectSucceededRun(p, run, ['baseline']);
    expect(p.simulator.counters().calls[DOWNLOAD] ?? 0).toBeGreaterThanOrEqual(2);
    expect((await landedForFeed(p, 'expiry')).data).toHaveLength(1);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 1 });
    await expectNoSecrets(p, run);
  });

  it('9. dataset expired before a scheduled generation: generate re-trains from the seed', async () => {
    await p.putScenarios('weekly', { scenarios: [baseline()] });
    const ingest = await p.dropSeed(await p.putSeed('weekly', 'seed.csv', freshSeed()));
    await expectSucceededRun(p, ingest, ['baseline']);
    const expired = (await p.repo.getFeed('weekly'))?.datasetId ?? '';
    p.simulator.operator.expireDataset(expired);

    const scheduled = await p.generate('weekly', 'generate-weekly-e2e');
    const { record } = await expectSucceededRun(p, scheduled, ['baseline']);
    expect(record).toMatchObject({ kind: 'generate', feed: 'weekly' });
    expect(record.datasetId).not.toBe(expired);
    expect((await p.repo.getFeed('weekly'))?.datasetId).toBe(record.datasetId);
    expect(scheduled.execution?.taskInvocations.PollTraining ?? 0).toBeGreaterThan(0);
    expect((await landedForFeed(p, 'weekly')).data).toHaveLength(2);
    // Re-training an expired dataset's seed is new work, not a duplicate.
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 2, generations: 2 });
    await expectNoSecrets(p, ingest);
    await expectNoSecrets(p, scheduled);
  });

  it('10. quota exhausted (402): the run fails cleanly with the vendor code and a failure event', async () => {
    const tenant = p.simulator.demoTenant.tenantId;
    p.simulator.operator.setTenantLimits(tenant, { rowQuota: 1 });
    try {
      await p.putScenarios('quota', { scenarios: [baseline()] });
      const run = await p.dropSeed(await p.putSeed('quota', 'seed.csv', freshSeed()));
      const record = await expectFailedRun(p, run, { code: 'simio_quota_exhausted', status: 402 });
      expect(record.failure?.request_id).toBeTruthy();
      expect(runEvents(run, DetailType.runFinished)[0]?.detail).toMatchObject({ failure: { status: 402 } });
      expect(await landedForFeed(p, 'quota')).toEqual({ data: [], manifests: [] });
      expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 0 });
      await expectNoSecrets(p, run);
    } finally {
      p.simulator.operator.setTenantLimits(tenant, { rowQuota: 100_000_000 });
    }
  });

  it('11. malformed seed: a clear error, the seed object kept, nothing landed', async () => {
    await p.putScenarios('badseed', { scenarios: [baseline()] });
    const drop = await p.putSeed('badseed', 'seed.csv', readFileSync(join(EXAMPLES, 'malformed.csv')));
    const run = await p.dropSeed(drop);
    const record = await expectFailedRun(p, run, { code: 'simio_invalid_field', status: 400 });
    // The vendor's explanation reaches the record: which row, what is wrong with it.
    expect(record.failure?.detail).toMatch(/line 3\b.*5 fields.*header has 6/);
    expect(record.seed?.key).toBe(drop.key);
    expect(await seedObjectExists(drop.key)).toBe(true);
    expect(await landedForFeed(p, 'badseed')).toEqual({ data: [], manifests: [] });
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 0, generations: 0 });
    await expectNoSecrets(p, run);
  });

  it('12. malformed scenario file: a clear error naming the problem, the seed kept, nothing landed', async () => {
    await p.putScenarios('badscenarios', { scenarios: [{ name: 'Bad Name', row_count: -1 }] });
    const drop = await p.putSeed('badscenarios', 'seed.csv', freshSeed());
    const run = await p.dropSeed(drop);
    const record = await expectFailedRun(p, run, {});
    const explanation = `${record.failure?.detail ?? ''} ${record.failure?.message ?? ''}`;
    expect(explanation).toMatch(/scenarios\[0\]\.name/);
    expect(explanation).toMatch(/row_count/);
    expect(explanation).toContain('scenarios.json');
    expect(await seedObjectExists(drop.key)).toBe(true);
    expect(await landedForFeed(p, 'badscenarios')).toEqual({ data: [], manifests: [] });
    expect(p.simulator.counters().calls[CREATE_GENERATION] ?? 0).toBe(0);
    await expectNoSecrets(p, run);
  });

  it('12b. a scenario file that is not JSON: the error says where the JSON breaks', async () => {
    await p.putScenarios('brokenjson', '{ "scenarios": [ { "name": "ok", }');
    const drop = await p.putSeed('brokenjson', 'seed.csv', freshSeed());
    const run = await p.dropSeed(drop);
    const record = await expectFailedRun(p, run, {});
    expect(`${record.failure?.detail ?? ''} ${record.failure?.message ?? ''}`).toMatch(
      /scenarios\.json.*JSON/s,
    );
    expect(await seedObjectExists(drop.key)).toBe(true);
    expect(await landedForFeed(p, 'brokenjson')).toEqual({ data: [], manifests: [] });
    await expectNoSecrets(p, run);
  });
});
