/**
 * A seed nobody here wrote: the raw Palmer Penguins table (PyPI `palmerpenguins`, CC0), whose
 * headers have spaces, parentheses and capitals (`Body Mass (g)`, `Culmen Length (mm)`,
 * `Delta 15 N (o/oo)`). It lands as Parquet and CSV; every Glue name is Athena-safe, and the
 * data read back through the Glue definitions (as Athena would read it) holds every value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetTableCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlIdentifier } from '../../src/local/lake-query.ts';
import { startE2ePipeline, type E2ePipeline } from '../support/e2e/local-pipeline.ts';
import { queryLanded } from '../support/e2e/lake.ts';
import { registryDataset } from '../support/e2e/registry-datasets.ts';
import { expectSucceededRun, objectBytes, type LandedScenario } from '../support/e2e/run-checks.ts';

/** Non-null cells per column of the landed file itself, by position. */
async function fileCounts(bytes: Uint8Array, format: string): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'penguins-file-'));
  const file = join(dir, `data.${format}`);
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const source =
      format === 'parquet'
        ? `read_parquet('${file}')`
        : `read_csv('${file}', header = true, all_varchar = true, nullstr = 'NA', quote = '"')`;
    const names = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getColumns()[0] ?? [];
    const counts = names.map((n) => `count(${sqlIdentifier(`${n as string}`)})::INTEGER`).join(', ');
    const row = (await connection.runAndReadAll(`SELECT ${counts} FROM ${source}`)).getRows()[0] ?? [];
    return row.map(Number);
  } finally {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

let p: E2ePipeline;
beforeAll(async () => {
  p = await startE2ePipeline();
});
afterAll(async () => p?.close());

describe('raw Palmer Penguins on the local stack', () => {
  let landed: LandedScenario[] = [];

  it('lands Parquet and CSV tables whose Glue names are all Athena-safe, vendor names recorded', async () => {
    const seed = registryDataset('palmerpenguins', 'data/penguins-raw.csv').toString('utf8');
    expect(seed.split('\n')[0]).toContain('Body Mass (g)');
    await p.putScenarios('penguins', {
      scenarios: [
        { name: 'raw-parquet', row_count: 300, output_format: 'parquet' },
        { name: 'raw-csv', row_count: 300, output_format: 'csv' },
      ],
    });
    const run = await p.dropSeed(await p.putSeed('penguins', 'penguins-raw.csv', seed));
    ({ landed } = await expectSucceededRun(p, run, ['raw-csv', 'raw-parquet']));
    expect(new Set(landed.map((l) => l.table.Name)).size).toBe(2);
    for (const { table, partition, manifest } of landed) {
      const names = [
        table.Name,
        ...(table.StorageDescriptor?.Columns ?? []).map((c) => c.Name),
        ...(table.PartitionKeys ?? []).map((c) => c.Name),
        ...(partition.StorageDescriptor?.Columns ?? []).map((c) => c.Name),
      ];
      for (const name of names) expect(name).toMatch(/^[a-z0-9_]{1,255}$/);
      const mapping = Object.fromEntries(manifest.columns.map((c) => [c.name, c.athenaName]));
      expect(mapping).toMatchObject({
        'Body.Mass..g.': 'body_mass_g',
        'Culmen.Length..mm.': 'culmen_length_mm',
        Sex: 'sex',
      });
      expect((table.StorageDescriptor?.Columns ?? []).map((c) => c.Name)).toEqual(
        manifest.columns.map((c) => c.athenaName),
      );
    }
  });

  it('reads every value back through the Glue definitions: no silent nulls', async () => {
    expect(landed).toHaveLength(2);
    for (const { table, manifest } of landed) {
      const columns = (table.StorageDescriptor?.Columns ?? []).map((c) => c.Name ?? '');
      const counts = columns.map((c) => `count(${sqlIdentifier(c)})::INTEGER AS ${sqlIdentifier(c)}`);
      const [read] = await queryLanded(
        p,
        'penguins',
        `SELECT count(*)::INTEGER AS n_rows, ${counts.join(', ')} FROM ${sqlIdentifier(table.Name ?? '')}`,
      );
      expect(read?.n_rows).toBe(manifest.rowsGenerated);
      const expected = await fileCounts(await objectBytes(p, manifest.outputKey), manifest.format);
      // The OpenCSVSerDe reads every present cell (NA is text in a string column), so a CSV
      // column is never null; a Parquet column is null exactly where the file has nulls.
      const want = manifest.format === 'csv' ? expected.map(() => manifest.rowsGenerated) : expected;
      expect(columns.map((c) => read?.[c])).toEqual(want);
      expect(read?.body_mass_g).toBeGreaterThan(0);
      expect(read?.culmen_length_mm).toBeGreaterThan(0);
      expect(read?.sex).toBeGreaterThan(0);
    }
    const [sums] = await queryLanded(
      p,
      'penguins',
      `SELECT min(body_mass_g)::DOUBLE AS lo, max(body_mass_g)::DOUBLE AS hi FROM ${sqlIdentifier(
        landed.find((l) => l.manifest.format === 'parquet')?.table.Name ?? '',
      )}`,
    );
    expect(sums?.lo).toBeGreaterThanOrEqual(2000);
    expect(sums?.hi).toBeLessThanOrEqual(7000);
  });

  it('NEGATIVE: the same files through a catalog Athena would misread read as nulls locally too', async () => {
    const parquet = landed.find((l) => l.manifest.format === 'parquet');
    const glue = p.env.clients.glue;
    const DatabaseName = p.env.names.glueDatabase;
    const byName = (sd: StorageDescriptor | undefined): StorageDescriptor => {
      const { 'parquet.column.index.access': _dropped, ...params } = sd?.SerdeInfo?.Parameters ?? {};
      return { ...sd, SerdeInfo: { ...sd?.SerdeInfo, Parameters: params } };
    };
    const table = (await glue.send(new GetTableCommand({ DatabaseName, Name: parquet?.table.Name }))).Table!;
    await glue.send(
      new UpdateTableCommand({
        DatabaseName,
        VersionId: table.VersionId,
        TableInput: {
          Name: table.Name,
          TableType: table.TableType,
          PartitionKeys: table.PartitionKeys,
          Parameters: table.Parameters,
          StorageDescriptor: byName(table.StorageDescriptor),
        },
      }),
    );
    const partition = parquet!.partition;
    await glue.send(
      new UpdatePartitionCommand({
        DatabaseName,
        TableName: table.Name,
        PartitionValueList: partition.Values,
        PartitionInput: { Values: partition.Values, StorageDescriptor: byName(partition.StorageDescriptor) },
      }),
    );
    const [read] = await queryLanded(
      p,
      'penguins',
      `SELECT count(*)::INTEGER AS n, count(body_mass_g)::INTEGER AS mass, count(sex)::INTEGER AS sex FROM ${sqlIdentifier(
        table.Name ?? '',
      )}`,
    );
    // `body_mass_g` matches no Parquet column (`Body.Mass..g.`) by name; `sex` matches `Sex`.
    expect(read).toMatchObject({ n: parquet?.manifest.rowsGenerated, mass: 0 });
    expect(read?.sex).toBeGreaterThan(0);
  });
});
