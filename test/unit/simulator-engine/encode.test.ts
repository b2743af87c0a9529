import { describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ARTIFACT_CONTENT_TYPES, encodeArtifact, readSeed } from '../../../simulator/engine/index.ts';
import type { GeneratedColumns } from '../../../simulator/engine/index.ts';

/** Three rows covering every column kind, nulls and text that needs CSV quoting. */
const columns: GeneratedColumns = {
  rowCount: 3,
  columns: [
    { name: 'age', kind: 'numeric', type: 'integer', values: Float64Array.from([18, Number.NaN, 65]) },
    {
      name: 'purchase.intent',
      kind: 'numeric',
      type: 'numeric',
      values: Float64Array.from([70.5, 99.9, Number.NaN]),
    },
    {
      name: 'segment',
      kind: 'categorical',
      type: 'factor',
      levels: ['Premium', 'Value, "budget"'],
      codes: Int32Array.from([0, 1, -1]),
    },
    {
      name: 'member',
      kind: 'categorical',
      type: 'logical',
      levels: ['FALSE', 'TRUE'],
      codes: Int32Array.from([1, -1, 0]),
    },
  ],
};

const expectedRows = [
  { age: 18, 'purchase.intent': 70.5, segment: 'Premium', member: true },
  { age: null, 'purchase.intent': 99.9, segment: 'Value, "budget"', member: null },
  { age: 65, 'purchase.intent': null, segment: null, member: false },
];

describe('encodeArtifact', () => {
  it('writes Parquet readable by hyparquet with typed columns', async () => {
    const bytes = await encodeArtifact(columns, 'parquet');
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(await parquetReadObjects({ file })).toEqual(expectedRows);
    const types = parquetMetadata(file)
      .schema.slice(1)
      .map((s) => [s.name, s.type]);
    expect(types).toEqual([
      ['age', 'INT32'],
      ['purchase.intent', 'DOUBLE'],
      ['segment', 'BYTE_ARRAY'],
      ['member', 'BOOLEAN'],
    ]);
  });

  it('writes an Arrow IPC file readable by apache-arrow', async () => {
    const bytes = await encodeArtifact(columns, 'arrow');
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(bytes.subarray(-6).toString('latin1')).toBe('ARROW1');
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(3);
    expect(table.toArray().map((row: { toJSON(): unknown }) => row.toJSON())).toEqual(expectedRows);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual([
      'Int32',
      'Float64',
      'Dictionary<Int32, Utf8>',
      'Bool',
    ]);
  });

  it('writes CSV readable by csv-parse, empty fields for nulls', async () => {
    const bytes = await encodeArtifact(columns, 'csv');
    const text = bytes.toString('utf8');
    expect(text.split('\n')[0]).toBe('age,purchase.intent,segment,member');
    expect(text).toContain('"Value, ""budget"""');
    const rows: Array<Record<string, string>> = parse(bytes, { columns: true });
    expect(rows).toEqual([
      { age: '18', 'purchase.intent': '70.5', segment: 'Premium', member: 'TRUE' },
      { age: '', 'purchase.intent': '99.9', segment: 'Value, "budget"', member: '' },
      { age: '65', 'purchase.intent': '', segment: '', member: 'FALSE' },
    ]);
  });

  it('round-trips through readSeed (an artifact can seed a new dataset)', async () => {
    for (const [format, filename] of [
      ['csv', 'out.csv'],
      ['parquet', 'out.parquet'],
    ] as const) {
      const seed = await readSeed(await encodeArtifact(columns, format), filename);
      expect(seed.rowCount).toBe(3);
      expect(seed.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'categorical', 'logical']);
    }
  });

  it('rejects an unknown format and names the content types', async () => {
    await expect(encodeArtifact(columns, 'xlsx' as 'csv')).rejects.toThrow(/parquet, csv or arrow/);
    expect(ARTIFACT_CONTENT_TYPES).toEqual({
      parquet: 'application/vnd.apache.parquet',
      csv: 'text/csv',
      arrow: 'application/vnd.apache.arrow.file',
    });
  });
});
