/**
 * The whole system in enterprise mode on moto + the simulator: the vendor envelope-encrypts each
 * artifact under the customer's KMS key (on moto), and the landing step decrypts it with that
 * key before anything reaches the output bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSeedCsv, startE2ePipeline, type E2ePipeline } from '../support/e2e/local-pipeline.ts';
import { queryLanded } from '../support/e2e/lake.ts';
import {
  expectNoDuplicateVendorWork,
  expectNoSecrets,
  expectSucceededRun,
  landedForFeed,
} from '../support/e2e/run-checks.ts';

let p: E2ePipeline;
beforeAll(async () => {
  p = await startE2ePipeline({ mode: 'enterprise' });
});
afterAll(async () => p?.close());

describe('pipeline scenarios, enterprise mode', () => {
  it('2. happy path: the envelope-encrypted artifact is decrypted with the customer key and lands', async () => {
    expect(p.env.names.artifactKeyArn).toMatch(/^arn:aws:kms:/);
    await p.putScenarios('vault', {
      scenarios: [
        { name: 'baseline', row_count: 150, output_format: 'parquet' },
        { name: 'flat', row_count: 90, output_format: 'csv' },
      ],
    });
    const run = await p.dropSeed(await p.putSeed('vault', 'seed.csv', exampleSeedCsv()));
    const { landed } = await expectSucceededRun(p, run, ['baseline', 'flat']);
    for (const { manifest } of landed) {
      expect(manifest.artifactEncryption).toBe('envelope-aes-256-gcm');
      expect(manifest.rowsGenerated).toBe(manifest.rowsRequested);
    }
    const calls = p.simulator.counters().calls;
    // Fetched from the customer-side storage listener, not relayed by the vendor API.
    expect(calls['GET /objects/{tenant_id}/{file}']).toBe(2);
    expect(calls['GET /v1/generations/{generation_id}/download'] ?? 0).toBe(0);
    // Plaintext landed: both files read back through their Glue tables (ciphertext would not).
    const counts: Array<Record<string, unknown>> = [];
    for (const { table } of landed) {
      const sql = `SELECT scenario, count(*)::INTEGER AS n FROM "${table.Name ?? ''}" GROUP BY ALL`;
      counts.push(...(await queryLanded(p, 'vault', sql)));
    }
    expect(counts.sort((a, b) => String(a.scenario).localeCompare(String(b.scenario)))).toEqual([
      { scenario: 'baseline', n: 150 },
      { scenario: 'flat', n: 90 },
    ]);
    expect((await landedForFeed(p, 'vault')).data).toHaveLength(2);
    expectNoDuplicateVendorWork(p.simulator.counters(), { trainings: 1, generations: 2 });
    await expectNoSecrets(p, run);
  });
});
