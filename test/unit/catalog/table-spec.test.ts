import { describe, expect, it } from 'vitest';
import {
  diffColumns,
  glueColumns,
  planColumns,
  storageDescriptor,
  tableNameFor,
  unqueryableReason,
  widerType,
} from '../../../src/catalog/table-spec.ts';

describe('tableNameFor', () => {
  it('sanitizes the feed into a Glue table name', () => {
    expect(tableNameFor('Retail-Panel.v2')).toBe('retail_panel_v2');
    expect(tableNameFor('2026-panel')).toBe('feed_2026_panel');
    expect(tableNameFor('retail-panel', 'csv')).toBe('retail_panel_csv');
    expect(tableNameFor('retail-panel', 'csv', 3)).toBe('retail_panel_csv_v3');
    expect(tableNameFor('x'.repeat(300), 'parquet')).toMatch(/^x{247}_parquet$/);
  });
});

describe('storageDescriptor', () => {
  it('uses the Parquet SerDe and formats', () => {
    const sd = storageDescriptor('parquet', [], 's3://b/p/');
    expect(sd.SerdeInfo?.SerializationLibrary).toBe(
      'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    );
    expect(sd.InputFormat).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
  });

  it('uses the OpenCSVSerde with a skipped header for CSV', () => {
    const sd = storageDescriptor('csv', [], 's3://b/p/');
    expect(sd.SerdeInfo?.SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(sd.SerdeInfo?.Parameters).toMatchObject({ separatorChar: ',', quoteChar: '"' });
    expect(sd.Parameters).toMatchObject({ 'skip.header.line.count': '1' });
    expect(sd.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
  });

  it('records why Arrow gets no table', () => {
    expect(unqueryableReason('arrow')).toMatch(/not readable by Athena/);
    expect(unqueryableReason('parquet')).toBeNull();
  });
});

describe('glueColumns', () => {
  it('uses Athena names (vendor name in the comment) and declares CSV columns with empty cells as string', () => {
    expect(
      glueColumns('csv', [
        { name: 'Age', type: 'bigint', hasNulls: true },
        { name: 'spend', type: 'double', hasNulls: false },
      ]),
    ).toEqual([
      { Name: 'age', Type: 'string', Comment: 'vendor column Age' },
      { Name: 'spend', Type: 'double' },
    ]);
    expect(glueColumns('parquet', [{ name: 'Body.Mass..g.', type: 'int', hasNulls: true }])).toEqual([
      { Name: 'body_mass_g', Type: 'int', Comment: 'vendor column Body.Mass..g.' },
    ]);
  });

  it("keeps the manifest's recorded Athena names", () => {
    expect(glueColumns('parquet', [{ name: 'x.y', type: 'int', athenaName: 'x_y_2' }])).toEqual([
      { Name: 'x_y_2', Type: 'int', Comment: 'vendor column x.y' },
    ]);
  });
});

describe('planColumns (positional evolution)', () => {
  const table = [
    { Name: 'id', Type: 'int' },
    { Name: 'segment', Type: 'string' },
    { Name: 'spend', Type: 'bigint' },
  ];

  it('appends columns at the end, widens numbers, and lets trailing columns go missing', () => {
    expect(planColumns('parquet', table, [...table, { Name: 'tier', Type: 'string' }])).toMatchObject({
      fits: true,
      columns: [...table, { Name: 'tier', Type: 'string' }],
    });
    expect(planColumns('parquet', table, [{ Name: 'id', Type: 'bigint' }])).toMatchObject({
      fits: true,
      columns: [{ Name: 'id', Type: 'bigint' }, table[1], table[2]],
      change: { missing: ['segment', 'spend'] },
    });
    expect(planColumns('parquet', table, table)).toEqual({ fits: true, columns: table, change: null });
  });

  it('lets a CSV column become text (the OpenCSVSerDe reads text), but not a Parquet one', () => {
    const asText = [table[0]!, table[1]!, { Name: 'spend', Type: 'string' }];
    expect(planColumns('csv', table, asText)).toMatchObject({ fits: true, columns: asText });
    expect(planColumns('parquet', table, asText)).toMatchObject({
      fits: false,
      reason: expect.stringMatching(/spend is string in the new file but bigint/),
    });
  });

  it('refuses a file whose columns would shift position (dropped, inserted or reordered)', () => {
    for (const file of [
      [table[0]!, table[2]!],
      [table[1]!, table[0]!, table[2]!],
    ]) {
      expect(planColumns('csv', table, file)).toMatchObject({
        fits: false,
        reason: expect.stringMatching(/read by position/),
      });
    }
  });
});

describe('diffColumns', () => {
  const table = [
    { Name: 'id', Type: 'int' },
    { Name: 'segment', Type: 'string' },
    { Name: 'old', Type: 'double' },
  ];

  it('is null when the columns match', () => {
    expect(diffColumns(table, table)).toBeNull();
  });

  it('reports added, missing and retyped columns', () => {
    expect(
      diffColumns(table, [
        { Name: 'id', Type: 'double' },
        { Name: 'segment', Type: 'string' },
        { Name: 'fresh', Type: 'boolean' },
      ]),
    ).toEqual({
      added: [{ Name: 'fresh', Type: 'boolean' }],
      missing: ['old'],
      typeChanged: [{ name: 'id', tableType: 'int', fileType: 'double' }],
    });
  });
});

describe('widerType', () => {
  it('widens along the numeric chain only', () => {
    expect(widerType('int', 'double')).toBe('double');
    expect(widerType('bigint', 'int')).toBe('bigint');
    expect(widerType('float', 'bigint')).toBe('double');
    expect(widerType('int', 'string')).toBeNull();
  });
});
