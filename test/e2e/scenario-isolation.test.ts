/**
 * Per-scenario isolation on moto + the simulator: one scenario's failure is caught inside its own
 * Map iteration, so its siblings land, and the run record, the events and `run --json` account
 * for every scenario (issue 13 item 1; the outcome model is described in docs/run-outcomes.md).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeOf, jsonSummary } from '../../src/cli/local-run-report.ts';
import { DetailType } from '../../src/events/catalog.ts';
import { exampleSeedCsv, startE2ePipeline, type E2ePipeline } from '../support/e2e/local-pipeline.ts';
import {
  expectNoDuplicateVendorWork,
  expectNoSecrets,
  feedTable,
  landedForFeed,
  runEvents,
} from '../support/e2e/run-checks.ts';
import { scannedJson } from '../support/secret-scan.ts';

let p: E2ePipeline;
beforeAll(async () => {
  p = await startE2ePipeline();
});
afterAll(async () => p?.close());
beforeEach(() => p.resetVendor());

let seedRows = 310;
function localFiles(scenarios: unknown): { seedFile: string; scenariosFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-isolation-'));
  writeFileSync(join(dir, 'seed.csv'), exampleSeedCsv(seedRows++));
  writeFileSync(join(dir, 'scenarios.json'), JSON.stringify({ scenarios }));
  return { seedFile: join(dir, 'seed.csv'), scenariosFile: join(dir, 'scenarios.json') };
}

describe('per-scenario isolation', () => {
  it('a feed with one good and one failing scenario lands the good one and reports the other (PARTIAL)', async () => {
    const tenant = p.simulator.demoTenant.tenantId;
    // Room for the small scenario only: the large one gets the vendor's 402, whichever runs first.
    p.simulator.operator.setTenantLimits(tenant, { rowQuota: 1000 });
    try {
      const files = localFiles([
        { name: 'small', row_count: 100, output_format: 'parquet' },
        { name: 'huge', row_count: 5000, output_format: 'parquet' },
      ]);
      const { summary, run } = await p.runLocal({ ...files, feed: 'isolated' });

      // The execution fails (so alarms see it), after the record and every event went out.
      expect(run.execution?.status).toBe('FAILED');
      expect(run.execution?.error).toBe('RunPartiallyFailed');
      const record = await p.repo.getRun(run.runId ?? '');
      expect(record).toMatchObject({
        status: 'PARTIAL',
        scenarioCounts: { landed: 1, partial: 0, failed: 1, skipped: 0 },
        failure: { code: 'simio_quota_exhausted', status: 402 },
      });
      const byName = Object.fromEntries((record?.scenarios ?? []).map((s) => [s.scenario, s]));
      expect(byName['small']).toMatchObject({ outcome: 'landed', rowsGenerated: 100, failure: null });
      expect(byName['huge']).toMatchObject({
        outcome: 'failed',
        outputKey: null,
        failure: { code: 'simio_quota_exhausted', status: 402 },
      });
      expect(record?.outputs?.map((o) => o.scenario)).toEqual(['small']);

      // The landed scenario is in the lake and the catalog.
      const small = byName['small'];
      const landed = await landedForFeed(p, 'isolated');
      expect(landed.data).toEqual([small?.outputKey]);
      expect(landed.manifests).toEqual([small?.manifestKey]);
      const table = await feedTable(p, 'isolated', 'parquet');
      expect(table?.Name).toBe('isolated');

      // Each scenario announced itself.
      const published = runEvents(run, DetailType.scenarioLanded);
      expect(published.map((e) => e.detail)).toEqual([
        expect.objectContaining({ scenario: 'small', partial: false, outputKey: small?.outputKey }),
      ]);
      const failed = runEvents(run, DetailType.scenarioFailed);
      expect(failed.map((e) => e.detail)).toEqual([
        expect.objectContaining({
          scenario: 'huge',
          outcome: 'failed',
          failure: expect.objectContaining({ code: 'simio_quota_exhausted', status: 402 }),
        }),
      ]);

      expect(runEvents(run, DetailType.runFinished).map((e) => e.detail)).toEqual([
        expect.objectContaining({ status: 'PARTIAL', scenarios: { landed: 1, failed: 1 } }),
      ]);

      // `run --json` prints every scenario with its outcome and exits 3.
      expect(summary.status).toBe('PARTIAL');
      expect(exitCodeOf(summary.status)).toBe(3);
      const json = jsonSummary(summary);
      expect(json['scenarios']).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'small', outcome: 'landed', rows_generated: 100 }),
          expect.objectContaining({
            name: 'huge',
            outcome: 'failed',
            error: expect.objectContaining({ code: 'simio_quota_exhausted' }),
          }),
        ]),
      );
      expect(summary.query?.rows).toEqual([{ scenario: 'small', rows: 100 }]);
      expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 1 });
      await expectNoSecrets(p, run, [scannedJson('summary', json)]);
    } finally {
      p.simulator.operator.setTenantLimits(tenant, { rowQuota: 100_000_000 });
    }
  });

  it('a failed generation job fails only its scenario; a run where nothing lands is FAILED (exit 1)', async () => {
    p.simulator.setFaults('job:fail=generation_failed@type=generation');
    const files = localFiles([
      { name: 'one', row_count: 50, output_format: 'csv' },
      { name: 'two', row_count: 60, output_format: 'csv' },
    ]);
    const { summary, run } = await p.runLocal({ ...files, feed: 'nothing-lands' });
    const record = await p.repo.getRun(run.runId ?? '');
    expect(record).toMatchObject({
      status: 'FAILED',
      scenarioCounts: { landed: 0, partial: 0, failed: 2, skipped: 0 },
      failure: { code: 'generation_failed' },
    });
    expect(
      runEvents(run, DetailType.scenarioFailed)
        .map((e) => e.detail['scenario'])
        .sort(),
    ).toEqual(['one', 'two']);
    expect(runEvents(run, DetailType.scenarioLanded)).toEqual([]);
    expect(summary.status).toBe('FAILED');
    expect(exitCodeOf(summary.status)).toBe(1);
    expect(summary.scenarios.map((s) => [s.name, s.outcome, s.error?.code]).sort()).toEqual([
      ['one', 'failed', 'generation_failed'],
      ['two', 'failed', 'generation_failed'],
    ]);
    expect(summary.query).toBeNull();
    expect(await landedForFeed(p, 'nothing-lands')).toEqual({ data: [], manifests: [] });
  });

  it('run --json with an arrow scenario prints the complete summary (Arrow is not queryable, as in Athena)', async () => {
    const files = localFiles([
      { name: 'columnar', row_count: 40, output_format: 'arrow' },
      { name: 'tabular', row_count: 30, output_format: 'parquet' },
    ]);
    const { summary, run } = await p.runLocal({ ...files, feed: 'arrowfeed' });
    expect(summary.status, JSON.stringify(summary.error)).toBe('SUCCEEDED');
    expect(summary.scenarios.map((s) => [s.name, s.outcome, s.format]).sort()).toEqual([
      ['columnar', 'landed', 'arrow'],
      ['tabular', 'landed', 'parquet'],
    ]);
    expect(summary.query?.rows).toEqual([{ scenario: 'tabular', rows: 30 }]);

    const arrowOnly = localFiles([{ name: 'columnar', row_count: 40, output_format: 'arrow' }]);
    const second = await p.runLocal({ ...arrowOnly, feed: 'arrowonly' });
    expect(second.summary.status).toBe('SUCCEEDED');
    expect(second.summary.scenarios).toEqual([
      expect.objectContaining({ name: 'columnar', outcome: 'landed' }),
    ]);
    expect(second.summary.query).toMatchObject({
      rows: [],
      error: expect.stringContaining('Parquet and CSV'),
    });
    expect(jsonSummary(second.summary)).toMatchObject({ status: 'SUCCEEDED', exit_code: 0 });
    expect(second.summary.scenarios[0]?.outputKey).toMatch(/\.arrow$/);
    await expectNoSecrets(p, run);
  });
});
