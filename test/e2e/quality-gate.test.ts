/**
 * The quality report and publish gate on the local stack (moto + simulator), with seeds nobody
 * here wrote: the raw Palmer Penguins table (PyPI `palmerpenguins`) and Seattle weather (PyPI
 * `vega_datasets`). An honest generation (simulator mode `perturbed`) is published with its report
 * in the manifest and a row in the metrics table; a generation that copies seed rows (mode
 * `copy`) is quarantined: nothing in the data table, no Glue partition, a Failed event naming
 * the metric, and its metrics row says why.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/landing/manifest.ts';
import { queryGlueJsonTable } from '../../src/local/quality-query.ts';
import { DetailType } from '../../src/events/catalog.ts';
import { DEFAULT_METRICS_TABLE_NAME, metricsKey } from '../../src/quality/metrics-table.ts';
import type { QualityReport } from '../../src/quality/report.ts';
import { startE2ePipeline, type E2ePipeline } from '../support/e2e/local-pipeline.ts';
import { queryLanded } from '../support/e2e/lake.ts';
import { registryDataset } from '../support/e2e/registry-datasets.ts';
import { expectSucceededRun, feedTable, landedForFeed, runEvents } from '../support/e2e/run-checks.ts';

let p: E2ePipeline;
beforeAll(async () => {
  p = await startE2ePipeline();
});
afterAll(async () => p?.close());
beforeEach(() => {
  p.resetVendor();
  p.simulator.setGenerationMode('perturbed');
});

async function metrics(sql: string) {
  return queryGlueJsonTable(
    { glue: p.env.clients.glue, s3: p.env.clients.s3 },
    p.env.names.glueDatabase,
    DEFAULT_METRICS_TABLE_NAME,
    sql,
  );
}

async function exists(key: string): Promise<boolean> {
  try {
    await p.env.clients.s3.send(new HeadObjectCommand({ Bucket: p.env.names.outputBucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe('quality report and publish gate', () => {
  it('publishes an honest generation of the raw Palmer Penguins table with its report and metrics row', async () => {
    await p.putScenarios('penguins-raw', {
      // A DCR floor on top of the defaults, for every scenario of the file.
      quality: { quasi_identifiers: ['Species', 'Island', 'Sex'], gate: { max_dcr_close_share: 0.2 } },
      scenarios: [
        { name: 'honest', row_count: 600, output_format: 'csv' },
        {
          name: 'gentoo-heavy',
          row_count: 400,
          output_format: 'csv',
          conditions: { categorical: { Island: { Biscoe: 0.8, Dream: 0.1, Torgersen: 0.1 } } },
        },
      ],
    });
    const seed = registryDataset('palmerpenguins', 'data/penguins-raw.csv');
    const run = await p.dropSeed(await p.putSeed('penguins-raw', 'penguins-raw.csv', seed));
    const { landed } = await expectSucceededRun(p, run, ['honest', 'gentoo-heavy']);

    for (const { manifest } of landed) {
      const quality = manifest.quality as unknown as { headline: { passed: boolean }; report: QualityReport };
      expect(quality.headline.passed).toBe(true);
      const { report } = quality;
      expect(report.seed.rows).toBe(344);
      expect(report.privacy.exactMatch.matches).toBe(0);
      // Identifier-like and free-text seed columns that pass through are flagged.
      expect(report.privacy.passThrough.map((c) => c.column).sort()).toEqual(
        ['Comments', 'Individual ID', 'Sample Number'].sort(),
      );
      // The coarse quasi-identifier set collides by chance: judged against the holdout split.
      expect(report.privacy.quasiIdentifierMatch?.share).toBeGreaterThan(0.5);
      expect(report.privacy.quasiIdentifierMatch?.holdoutShare).toBeGreaterThan(0.5);
      expect(report.privacy.quasiIdentifierMatch?.excess).toBeLessThan(0.05);
      expect(report.privacy.dcr.closeShare).toBeLessThan(0.2);
      expect(report.fidelity.score).toBeGreaterThan(0.8);
      expect(report.fidelity.definition).toContain('column score');
    }
    const conditioned = landed.find((l) => l.manifest.scenarioName === 'gentoo-heavy')!.manifest;
    const report = (conditioned.quality as unknown as { report: QualityReport }).report;
    expect(report.fidelity.constrainedColumns.map((c) => c.column)).toEqual(['Island']);
    expect(report.fidelity.columns.map((c) => c.column)).not.toContain('Island');

    const rows = await metrics(
      `SELECT scenario, published, failed_metrics, synthetic_rows, exact_match_share, pass_through_columns
       FROM quality_metrics WHERE feed = 'penguins-raw' ORDER BY scenario`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        scenario: 'gentoo-heavy',
        published: true,
        failed_metrics: '',
        synthetic_rows: 400,
      }),
      expect.objectContaining({
        scenario: 'honest',
        published: true,
        exact_match_share: 0,
        synthetic_rows: 600,
      }),
    ]);
    expect(String(rows[0]?.['pass_through_columns'])).toContain('Individual ID');
    expect(await queryLanded(p, 'penguins-raw', 'SELECT count(*)::INTEGER AS n FROM penguins_raw')).toEqual([
      { n: 1000 },
    ]);
  });

  it('quarantines a generation that copies seed rows: no data, no partition, a Failed event naming the metric', async () => {
    p.simulator.setGenerationMode('copy');
    await p.putScenarios('weather', {
      scenarios: [
        {
          name: 'copied',
          row_count: 500,
          output_format: 'parquet',
          quality: { gate: { max_dcr_close_share: 0.2 } },
        },
      ],
    });
    const seed = registryDataset('vega_datasets', '_data/seattle-weather.csv');
    const run = await p.dropSeed(await p.putSeed('weather', 'seattle-weather.csv', seed));
    expect(run.execution?.status).toBe('FAILED');
    const record = await p.repo.getRun(run.runId ?? '');
    expect(record?.status).not.toBe('SUCCEEDED');
    expect(record?.outputs ?? []).toEqual([]);
    // The Failed event (per scenario, or the run's) names the metric.
    const failed = [...runEvents(run, DetailType.scenarioFailed), ...runEvents(run, DetailType.runFinished)]
      .map((e) => e.detail['failure'] as { code?: string; detail?: string } | null | undefined)
      .find((f) => f?.code === 'quality_gate_failed');
    expect(failed?.code).toBe('quality_gate_failed');
    expect(failed?.detail).toMatch(
      /exact_match_excess = [\d.]+ \(must be <= 0\.01 \+ [\d.]+ sampling margin\)/,
    );
    expect(failed?.detail).toMatch(/dcr_close_share = [\d.]+ \(must be <= 0\.2\)/);

    // Nothing reaches the queryable table.
    expect(await landedForFeed(p, 'weather')).toEqual({ data: [], manifests: [] });
    expect(await feedTable(p, 'weather', 'parquet')).toBeNull();

    // The generation is kept in quarantine with its report.
    const [row] = await metrics(`SELECT * FROM quality_metrics WHERE feed = 'weather'`);
    expect(row).toMatchObject({ published: false, scenario: 'copied', exact_match_share: 1 });
    expect(String(row?.['failed_metrics'])).toContain('exact_match_excess');
    const manifestKey = String(row?.['manifest_key']);
    expect(manifestKey.startsWith('_quarantine/_manifests/feed=weather/')).toBe(true);
    const manifest = await readManifest(p.env.clients.s3, p.env.names.outputBucket, manifestKey);
    expect(manifest?.outputKey.startsWith('_quarantine/synthetic/feed=weather/')).toBe(true);
    expect(await exists(manifest?.outputKey ?? '')).toBe(true);
    const metricsObject = await p.env.clients.s3.send(
      new GetObjectCommand({
        Bucket: p.env.names.outputBucket,
        Key: metricsKey(manifest?.generationId ?? ''),
      }),
    );
    expect(metricsObject.ServerSideEncryption).toBe('aws:kms');
  });

  it('a scenario gate can be relaxed: the same copy passes when its exact-match and DCR checks are off', async () => {
    p.simulator.setGenerationMode('copy');
    await p.putScenarios('weather-relaxed', {
      scenarios: [
        {
          name: 'copied-ok',
          row_count: 200,
          output_format: 'csv',
          quality: { gate: { max_exact_match_excess: null, max_dcr_close_share: null } },
        },
      ],
    });
    const seed = registryDataset('vega_datasets', '_data/seattle-weather.csv');
    const run = await p.dropSeed(await p.putSeed('weather-relaxed', 'weather.csv', seed));
    const { landed } = await expectSucceededRun(p, run, ['copied-ok']);
    const report = (landed[0]!.manifest.quality as unknown as { report: QualityReport }).report;
    expect(report.privacy.exactMatch.share).toBe(1);
  });
});
