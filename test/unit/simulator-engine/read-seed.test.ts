import { describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { SeedFormatError, readSeed } from '../../../simulator/engine/index.ts';
import { csv, exampleSeedBytes } from '../../support/simulator-engine-helpers.ts';

async function seedError(bytes: Buffer, filename: string): Promise<SeedFormatError> {
  const error: unknown = await readSeed(bytes, filename).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SeedFormatError);
  return error as SeedFormatError;
}

describe('readSeed: CSV', () => {
  it('reads the quickstart example with inferred kinds', async () => {
    const seed = await readSeed(exampleSeedBytes(), 'quickstart.csv');
    expect(seed.format).toBe('csv');
    expect(seed.rowCount).toBe(2000);
    expect(seed.columns.map((c) => [c.name, c.kind])).toEqual([
      ['respondent_id', 'numeric'],
      ['age', 'numeric'],
      ['segment', 'categorical'],
      ['channel', 'categorical'],
      ['region', 'categorical'],
      ['purchase_intent', 'numeric'],
    ]);
  });

  it('infers numeric, logical, datetime and text columns and reads NA tokens as missing', async () => {
    const seed = await readSeed(
      csv([
        ['n', 'flag', 'when', 'label', 'mixed'],
        ['1.5', 'TRUE', '2026-05-01', 'a', '1'],
        ['NA', 'F', '2026-05-02T10:00:00Z', '"b, c"', 'x'],
        ['-3e2', '', '', 'NA', '2'],
      ]),
      'Seed.CSV',
    );
    const [n, flag, when, label, mixed] = seed.columns;
    expect(n).toMatchObject({ kind: 'numeric' });
    expect(Array.from(n!.values as Float64Array)).toEqual([1.5, Number.NaN, -300]);
    expect(flag).toEqual({ name: 'flag', kind: 'logical', values: [true, false, null] });
    expect(when).toMatchObject({ kind: 'datetime' });
    expect(label).toEqual({ name: 'label', kind: 'categorical', values: ['a', 'b, c', null] });
    expect(mixed).toMatchObject({ kind: 'categorical', values: ['1', 'x', '2'] });
  });

  it('strips a UTF-8 byte order mark from the header', async () => {
    const seed = await readSeed(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), csv([['a'], ['1']])]),
      'x.csv',
    );
    expect(seed.columns[0]!.name).toBe('a');
  });

  it('rejects ragged rows naming the row and line', async () => {
    const error = await seedError(exampleSeedBytes('malformed.csv'), 'malformed.csv');
    expect(error.code).toBe('invalid_seed');
    expect(error.message).toContain('data row 2 (line 3) has 5 fields but the header has 6');
  });

  it('rejects an empty file, a header without rows and duplicate column names', async () => {
    expect((await seedError(Buffer.alloc(0), 'x.csv')).message).toContain('the file is empty');
    expect((await seedError(Buffer.from('\n\n'), 'x.csv')).message).toContain('no header row');
    expect((await seedError(Buffer.from('a,b\n'), 'x.csv')).message).toContain('no data rows');
    expect((await seedError(Buffer.from('a,a\n1,2\n'), 'x.csv')).message).toContain('"a" twice');
  });
});

describe('readSeed: Parquet', () => {
  it('reads typed columns including nulls, INT64 and booleans', async () => {
    const bytes = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'age', data: [21, null, 40], type: 'INT32' },
          { name: 'big', data: [1n, 2n, 3n], type: 'INT64' },
          { name: 'score', data: [0.5, 1.25, null], type: 'DOUBLE' },
          { name: 'segment', data: ['Premium', null, 'Value'], type: 'STRING' },
          { name: 'member', data: [true, false, null], type: 'BOOLEAN' },
        ],
      }),
    );
    const seed = await readSeed(bytes, 'seed.parquet');
    expect(seed.format).toBe('parquet');
    expect(seed.rowCount).toBe(3);
    expect(seed.columns.map((c) => [c.name, c.kind])).toEqual([
      ['age', 'numeric'],
      ['big', 'numeric'],
      ['score', 'numeric'],
      ['segment', 'categorical'],
      ['member', 'logical'],
    ]);
    expect(Array.from(seed.columns[0]!.values as Float64Array)).toEqual([21, Number.NaN, 40]);
    expect(Array.from(seed.columns[1]!.values as Float64Array)).toEqual([1, 2, 3]);
    expect(seed.columns[3]!.values).toEqual(['Premium', null, 'Value']);
    expect(seed.columns[4]!.values).toEqual([true, false, null]);
  });

  it('rejects bytes that are not Parquet', async () => {
    const error = await seedError(Buffer.from('a,b\n1,2\n'), 'seed.parquet');
    expect(error.code).toBe('invalid_seed');
    expect(error.message).toContain('not a Parquet file');
  });
});

describe('readSeed: other formats', () => {
  it.each(['seed.xlsx', 'seed.xls', 'seed.sav', 'seed.json', 'seed'])(
    'rejects %s as unsupported_format',
    async (name) => {
      const error = await seedError(Buffer.from('whatever'), name);
      expect(error.code).toBe('unsupported_format');
      expect(error.message).toMatch(/CSV.*Parquet/);
    },
  );
});
