import { describe, expect, it } from 'vitest';
import { cleanSeed, readSeed, schemaOf } from '../../../simulator/engine/index.ts';
import type { CleanCategoricalColumn, SeedTable } from '../../../simulator/engine/index.ts';
import { exampleSeedBytes } from '../../support/simulator-engine-helpers.ts';

const ROWS = 200;

/** A 200-row seed with one column per cleaning rule. */
function ruleSeed(): SeedTable {
  const rows = Array.from({ length: ROWS }, (_, i) => i);
  const x = Float64Array.from(rows, (i) => (i * 37) % 101);
  return {
    format: 'csv',
    rowCount: ROWS,
    columns: [
      { name: 'customer id', kind: 'categorical', values: rows.map((i) => `C-${i}`) },
      { name: 'row_no', kind: 'numeric', values: Float64Array.from(rows, (i) => i + 1) },
      { name: 'x', kind: 'numeric', values: x },
      { name: 'x_times_two', kind: 'numeric', values: x.map((v) => 2 * v + 1) },
      { name: 'country', kind: 'categorical', values: rows.map(() => 'NL') },
      { name: 'constant_n', kind: 'numeric', values: new Float64Array(ROWS).fill(3) },
      { name: 'mostly_zero', kind: 'numeric', values: Float64Array.from(rows, (i) => (i < 198 ? 0 : i)) },
      { name: 'signup', kind: 'datetime', values: rows.map(() => '2026-01-01') },
      { name: 'empty', kind: 'categorical', values: rows.map(() => null) },
      {
        name: 'plan',
        kind: 'categorical',
        values: rows.map((i) => (i < 100 ? 'basic' : i < 196 ? 'pro' : i < 198 ? 'gold' : 'platinum')),
      },
      { name: 'all_rare', kind: 'categorical', values: rows.map((i) => `L${Math.floor(i / 2)}`) },
      { name: 'comment', kind: 'categorical', values: rows.map((i) => `text ${i % 150}`) },
      { name: 'member', kind: 'logical', values: rows.map((i) => (i % 3 === 0 ? null : i % 2 === 0)) },
      { name: 'x.times.two', kind: 'numeric', values: Float64Array.from(rows, (i) => (i * 7) % 13) },
    ],
  };
}

describe('cleanSeed', () => {
  it('renames the quickstart columns and drops the respondent id', async () => {
    const seed = await readSeed(exampleSeedBytes(), 'quickstart.csv');
    const { table, summary, renames } = cleanSeed(seed);
    expect(renames).toEqual({ purchase_intent: 'purchase.intent' });
    expect(table.columns.map((c) => c.name)).toEqual([
      'age',
      'segment',
      'channel',
      'region',
      'purchase.intent',
    ]);
    expect(summary).toEqual({
      input_rows: 2000,
      input_columns: 6,
      clean_rows: 2000,
      clean_columns: 5,
      dropped_columns: [{ name: 'respondent_id', reason: 'identifier_like_column' }],
    });
  });

  it('drops columns with the contract reason codes', () => {
    const { summary } = cleanSeed(ruleSeed());
    expect(summary.dropped_columns).toEqual([
      { name: 'customer id', reason: 'identifier_like_column' },
      { name: 'row_no', reason: 'identifier_like_column' },
      { name: 'x_times_two', reason: 'redundant_numeric' },
      { name: 'country', reason: 'constant_categorical' },
      { name: 'constant_n', reason: 'low_variance' },
      { name: 'mostly_zero', reason: 'low_variance' },
      { name: 'signup', reason: 'unsupported_datetime' },
      { name: 'empty', reason: 'other' },
      { name: 'all_rare', reason: 'rare_category' },
    ]);
    expect(summary.clean_columns).toBe(5);
    expect(summary.clean_rows).toBe(ROWS);
  });

  it('folds rare levels into Other, excludes high-cardinality text, makes names unique', () => {
    const { table, renames } = cleanSeed(ruleSeed());
    expect(table.columns.map((c) => c.name)).toEqual(['x', 'plan', 'comment', 'member', 'x.times.two']);
    const plan = table.columns[1] as CleanCategoricalColumn;
    expect(plan.levels).toEqual(['Other', 'basic', 'pro']);
    expect(plan.foldedLevels).toEqual(['gold', 'platinum']);
    expect(Array.from(plan.codes.slice(195, 200))).toEqual([2, 0, 0, 0, 0]);
    expect(renames).toEqual({});
    const schema = schemaOf(table);
    expect(schema.find((c) => c.name === 'comment')).toMatchObject({
      type: 'factor',
      conditioning_excluded: true,
    });
    expect(schema.find((c) => c.name === 'member')).toMatchObject({
      type: 'logical',
      levels: ['FALSE', 'TRUE'],
      conditioning_excluded: false,
    });
  });

  it('appends .1 when two columns get the same vendor name', () => {
    const { table, renames } = cleanSeed(
      {
        format: 'csv',
        rowCount: 3,
        columns: [
          { name: 'a_b', kind: 'numeric', values: Float64Array.from([1, 2, 3]) },
          { name: 'a.b', kind: 'numeric', values: Float64Array.from([3, 1, 2]) },
          { name: 'a b', kind: 'numeric', values: Float64Array.from([2, 3, 1]) },
        ],
      },
      { autoClean: false },
    );
    expect(table.columns.map((c) => c.name)).toEqual(['a.b', 'a.b.1', 'a.b.2']);
    expect(renames).toEqual({ a_b: 'a.b', 'a b': 'a.b.2', 'a.b': 'a.b.1' });
  });

  it('with autoClean false keeps identifiers and constants, drops only what cannot be modelled', () => {
    const { table, summary } = cleanSeed(ruleSeed(), { autoClean: false });
    expect(summary.dropped_columns).toEqual([
      { name: 'signup', reason: 'unsupported_datetime' },
      { name: 'empty', reason: 'other' },
    ]);
    const id = table.columns.find((c) => c.originalName === 'customer id');
    expect(id).toMatchObject({ name: 'customer.id', conditioningExcluded: true });
    const plan = table.columns.find((c) => c.name === 'plan') as CleanCategoricalColumn;
    expect(plan.levels).toEqual(['basic', 'gold', 'platinum', 'pro']);
  });
});

describe('schemaOf', () => {
  it('reports the quickstart schema in the contract shape', async () => {
    const seed = await readSeed(exampleSeedBytes(), 'quickstart.csv');
    expect(schemaOf(cleanSeed(seed).table)).toEqual([
      { name: 'age', type: 'integer', levels: null, min: 18, max: 75, conditioning_excluded: false },
      {
        name: 'segment',
        type: 'factor',
        levels: ['Mainstream', 'Premium', 'Value'],
        min: null,
        max: null,
        conditioning_excluded: false,
      },
      {
        name: 'channel',
        type: 'factor',
        levels: ['Club', 'Online', 'Retail'],
        min: null,
        max: null,
        conditioning_excluded: false,
      },
      {
        name: 'region',
        type: 'factor',
        levels: ['Midwest', 'Northeast', 'South', 'West'],
        min: null,
        max: null,
        conditioning_excluded: false,
      },
      {
        name: 'purchase.intent',
        type: 'numeric',
        levels: null,
        min: 0,
        max: 100,
        conditioning_excluded: false,
      },
    ]);
  });
});
