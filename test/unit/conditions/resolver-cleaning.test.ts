/**
 * The condition resolver against the simulator's cleaning of real seed columns, and the column
 * descriptions its messages use.
 */
import { describe, expect, it } from 'vitest';
import { describeSchemaColumn, resolveConditions } from '../../../src/conditions/resolver.ts';
import { cleanSeed } from '../../../simulator/engine/clean.ts';
import { schemaOf } from '../../../simulator/engine/schema.ts';
import { SCHEMA, failure, numeric } from '../../support/condition-schema.ts';

describe('resolveConditions on columns the simulator cleaned', () => {
  it('agrees with the simulator cleaning on renamed seed columns', () => {
    const rows = 60;
    const { table, summary } = cleanSeed({
      format: 'csv',
      rowCount: rows,
      columns: [
        {
          name: 'Customer ID',
          kind: 'numeric',
          values: Float64Array.from({ length: rows }, (_, i) => i + 1),
        },
        {
          name: 'purchase_intent',
          kind: 'numeric',
          values: Float64Array.from({ length: rows }, (_, i) => Math.round((i * 100) / (rows - 1))),
        },
        {
          name: '1st-segment',
          kind: 'categorical',
          values: Array.from({ length: rows }, (_, i) => ['Premium', 'Value'][i % 2]!),
        },
        { name: 'Is Member', kind: 'logical', values: Array.from({ length: rows }, (_, i) => i % 3 === 0) },
      ],
    });
    const resolved = resolveConditions(
      {
        conditions: {
          categorical: { '1st-segment': { Premium: 0.7 }, 'Is Member': { TRUE: 0.5 } },
          numeric: { purchase_intent: { min: 50, max: 200 } },
        },
      },
      schemaOf(table),
      { droppedColumns: summary.dropped_columns },
    );
    expect(resolved.mappings.map((m) => m.resolved)).toEqual([
      'X1st.segment',
      'Is.Member',
      'purchase.intent',
    ]);
    expect(resolved.clamps).toEqual([
      {
        column: 'purchase.intent',
        bound: 'max',
        requested: 200,
        applied: 100,
        schemaMin: 0,
        schemaMax: 100,
        outside: 'partly',
      },
    ]);
    const dropped = failure(() =>
      resolveConditions({ conditions: { numeric: { 'Customer ID': { min: 1, max: 2 } } } }, schemaOf(table), {
        droppedColumns: summary.dropped_columns,
      }),
    );
    expect(dropped.problems[0]!.message).toMatch(/dropped by the vendor's cleaning \(identifier_like_column/);
  });
});

describe('describeSchemaColumn', () => {
  it('describes each kind of column', () => {
    expect(describeSchemaColumn(SCHEMA[0]!)).toBe(
      'segment (factor: "Mainstream", "Other", "Premium", "Value")',
    );
    expect(describeSchemaColumn(numeric('n', null, null))).toBe('n (integer, range not published)');
    expect(describeSchemaColumn(numeric('n', 1, null))).toBe('n (integer, 1 to ∞)');
    expect(describeSchemaColumn(SCHEMA[4]!)).toBe(
      'comment (character: levels not published, excluded from conditioning)',
    );
    expect(describeSchemaColumn(SCHEMA[5]!)).toBe('signup.date (date)');
  });
});
