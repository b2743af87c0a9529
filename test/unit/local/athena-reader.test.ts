import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Column, Partition, Table } from '@aws-sdk/client-glue';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  glueColumns,
  PARTITION_KEYS,
  storageDescriptor,
  tableParameters,
} from '../../../src/catalog/table-spec.ts';
import { withAthenaNames } from '../../../src/landing/athena-names.ts';
import type { LandedColumn } from '../../../src/landing/columns.ts';
import type { CatalogTable } from '../../../src/local/athena-reader.ts';
import { queryTables, sqlIdentifier } from '../../../src/local/lake-query.ts';

const BUCKET = 'lake';
const root = mkdtempSync(join(tmpdir(), 'athena-reader-'));
const resolve = (location: string): string => join(root, location.slice(`s3://${BUCKET}/`.length));

/** Writes a file under its partition prefix and returns the partition's location. */
function land(generation: string, ext: string, bytes: Uint8Array | string): string {
  const prefix = `synthetic/feed=penguins/scenario=s/dt=2026-11-24/generation=${generation}/`;
  mkdirSync(join(root, prefix), { recursive: true });
  writeFileSync(join(root, prefix, `${generation}.${ext}`), bytes);
  return `s3://${BUCKET}/${prefix}`;
}

const PARQUET_COLUMNS: LandedColumn[] = withAthenaNames([
  { name: 'Species', type: 'string' },
  { name: 'Body.Mass..g.', type: 'double' },
  { name: 'Culmen.Length..mm.', type: 'double' },
]);
const parquetLocation = land(
  'gen_p',
  'parquet',
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'Species', data: ['Adelie', 'Gentoo'], type: 'STRING' },
        { name: 'Body.Mass..g.', data: [3750, 5000], type: 'DOUBLE' },
        { name: 'Culmen.Length..mm.', data: [39.1, 46.5], type: 'DOUBLE' },
      ],
    }),
  ),
);
const CSV_COLUMNS: LandedColumn[] = withAthenaNames([
  { name: 'Species', type: 'string', hasNulls: false },
  { name: 'Body.Mass..g.', type: 'bigint', hasNulls: false },
  { name: 'Sex', type: 'string', hasNulls: true },
]);
const csvLocation = land(
  'gen_c',
  'csv',
  'Species,Body.Mass..g.,Sex\n"Adelie, Torgersen",3750,MALE\nGentoo,5000,\n',
);

function catalogTable(
  format: 'parquet' | 'csv',
  columns: Column[],
  location: string,
  gen: string,
): CatalogTable {
  const table: Table = {
    Name: 'penguins',
    PartitionKeys: [...PARTITION_KEYS],
    StorageDescriptor: storageDescriptor(format, columns, `s3://${BUCKET}/synthetic/feed=penguins/`),
    Parameters: tableParameters(format, 'penguins'),
  };
  const partition: Partition = {
    Values: ['s', '2026-11-24', gen],
    StorageDescriptor: storageDescriptor(format, columns, location),
  };
  return { table, partitions: [partition] };
}

const ALL = 'SELECT * EXCLUDE (scenario, dt, generation) FROM penguins ORDER BY 1';

describe('Athena-like reader over Glue definitions', () => {
  it('reads Parquet with vendor column names through Athena names by index', async () => {
    const t = catalogTable('parquet', glueColumns('parquet', PARQUET_COLUMNS), parquetLocation, 'gen_p');
    expect(await queryTables([t], resolve, `${ALL}`)).toEqual([
      { species: 'Adelie', body_mass_g: 3750, culmen_length_mm: 39.1 },
      { species: 'Gentoo', body_mass_g: 5000, culmen_length_mm: 46.5 },
    ]);
    const keys = await queryTables([t], resolve, 'SELECT DISTINCT scenario, dt, generation FROM penguins');
    expect(keys).toEqual([{ scenario: 's', dt: '2026-11-24', generation: 'gen_p' }]);
  });

  it('NEGATIVE: Parquet read by name (no index access) gives silent nulls, as in Athena', async () => {
    const t = catalogTable('parquet', glueColumns('parquet', PARQUET_COLUMNS), parquetLocation, 'gen_p');
    for (const sd of [t.table.StorageDescriptor, t.partitions[0]!.StorageDescriptor]) {
      delete sd!.SerdeInfo!.Parameters!['parquet.column.index.access'];
    }
    const rows = await queryTables([t], resolve, ALL);
    expect(rows.map((r) => [r.species, r.body_mass_g, r.culmen_length_mm])).toEqual([
      ['Adelie', null, null],
      ['Gentoo', null, null],
    ]);
  });

  it('reads CSV by position with the header skipped; empty cells are empty strings', async () => {
    const t = catalogTable('csv', glueColumns('csv', CSV_COLUMNS), csvLocation, 'gen_c');
    expect(await queryTables([t], resolve, ALL)).toEqual([
      // BIGINT comes back as JSON text (no precision loss).
      { species: 'Adelie, Torgersen', body_mass_g: '3750', sex: 'MALE' },
      { species: 'Gentoo', body_mass_g: '5000', sex: '' },
    ]);
  });

  it('NEGATIVE: CSV without skip.header.line.count fails on the header row, as HIVE_BAD_DATA does', async () => {
    const t = catalogTable('csv', glueColumns('csv', CSV_COLUMNS), csvLocation, 'gen_c');
    delete t.table.Parameters!['skip.header.line.count'];
    for (const sd of [t.table.StorageDescriptor, t.partitions[0]!.StorageDescriptor]) {
      delete sd!.SerdeInfo!.Parameters!['skip.header.line.count'];
      delete sd!.Parameters!['skip.header.line.count'];
    }
    await expect(queryTables([t], resolve, ALL)).rejects.toThrow(/Body\.Mass\.\.g\./);
  });

  it('NEGATIVE: CSV columns in the wrong order are misread by position (values shift), not matched by name', async () => {
    const [species, mass, sex] = glueColumns('csv', CSV_COLUMNS);
    const t = catalogTable(
      'csv',
      [species!, { ...sex! }, { ...mass!, Type: 'string' }],
      csvLocation,
      'gen_c',
    );
    const rows = await queryTables([t], resolve, 'SELECT sex FROM penguins ORDER BY 1');
    expect(rows).toEqual([{ sex: '3750' }, { sex: '5000' }]);
  });

  it('NEGATIVE: names outside [a-z0-9_] are refused, as Athena refuses them', async () => {
    const raw = PARQUET_COLUMNS.map((c) => ({
      Name: c.name === 'Species' ? 'species' : c.name,
      Type: c.type,
    }));
    const t = catalogTable('parquet', raw, parquetLocation, 'gen_p');
    await expect(queryTables([t], resolve, ALL)).rejects.toThrow(/HIVE_INVALID_METADATA.*Body\.Mass\.\.g\./);
  });

  it('NEGATIVE: a partition whose column types do not line up with the table is a schema mismatch', async () => {
    const t = catalogTable('csv', glueColumns('csv', CSV_COLUMNS), csvLocation, 'gen_c');
    t.table.StorageDescriptor!.Columns = [
      { Name: 'species', Type: 'string' },
      { Name: 'body_mass_g', Type: 'boolean' },
    ];
    await expect(queryTables([t], resolve, ALL)).rejects.toThrow(/HIVE_PARTITION_SCHEMA_MISMATCH/);
  });

  it('reads a partition with fewer columns than the table: the extra table columns are null', async () => {
    const t = catalogTable('csv', glueColumns('csv', CSV_COLUMNS), csvLocation, 'gen_c');
    t.table.StorageDescriptor!.Columns = [
      ...glueColumns('csv', CSV_COLUMNS),
      { Name: 'tier', Type: 'string' },
    ];
    const rows = await queryTables(
      [t],
      resolve,
      'SELECT count(*)::INTEGER AS n, count(tier)::INTEGER AS tiers FROM penguins',
    );
    expect(rows).toEqual([{ n: 2, tiers: 0 }]);
  });

  it('quotes identifiers safely', () => {
    expect(sqlIdentifier('a"b.c')).toBe('"a""b.c"');
  });
});
