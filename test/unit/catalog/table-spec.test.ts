import { describe, expect, it } from 'vitest';
import {
  diffColumns,
  glueColumns,
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
  it('lower-cases names and declares CSV columns with empty cells as string', () => {
    expect(
      glueColumns('csv', [
        { name: 'Age', type: 'bigint', hasNulls: true },
        { name: 'spend', type: 'double', hasNulls: false },
      ]),
    ).toEqual([
      { Name: 'age', Type: 'string' },
      { Name: 'spend', Type: 'double' },
    ]);
    expect(glueColumns('parquet', [{ name: 'Age', type: 'int', hasNulls: true }])).toEqual([
      { Name: 'age', Type: 'int' },
    ]);
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
