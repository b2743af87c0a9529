import { Dictionary, Int32, makeVector, type RecordBatch, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { Conditions } from '../../../src/client/contract.ts';
import { createConformanceAccumulator } from '../../../src/conditions/conformance.ts';
import {
  buildConformanceReport,
  DEFAULT_CONFORMANCE_TOLERANCE,
} from '../../../src/conditions/conformance-report.ts';
import { clampsFor } from '../../../src/conditions/numeric-range.ts';

const CONDITIONS: Conditions = {
  categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
  numeric: { 'purchase.intent': { min: 70, max: 100 } },
};

/** `n` rows whose segment shares are exactly `shares` and whose intent runs over [lo, hi]. */
function rows(
  n: number,
  shares: Record<string, number>,
  lo: number,
  hi: number,
): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [level, share] of Object.entries(shares)) {
    for (let i = 0; i < Math.round(n * share); i++) out.push({ segment: level });
  }
  return out.map((row, i) => ({
    ...row,
    'purchase.intent': lo + ((hi - lo) * i) / Math.max(1, out.length - 1),
    other: 'x',
  }));
}

describe('createConformanceAccumulator', () => {
  it('reports a conforming delivery row by row', () => {
    const acc = createConformanceAccumulator(CONDITIONS);
    expect(acc.columns).toEqual(['segment', 'purchase.intent']);
    for (const row of rows(1000, { Premium: 0.56, Mainstream: 0.34, Value: 0.1 }, 70, 100)) acc.addRow(row);
    const report = acc.report({ rowsRequested: 1000, rowsGenerated: 1000 });
    expect(report.conforms).toBe(true);
    expect(report.partial).toBe(false);
    expect(report.tolerance).toBe(DEFAULT_CONFORMANCE_TOLERANCE);
    expect(report.rowsObserved).toBe(1000);
    const segment = report.categorical[0]!;
    expect(segment).toMatchObject({
      column: 'segment',
      present: true,
      count: 1000,
      missing: 0,
      unrequestedShare: 0,
      conforms: true,
    });
    expect(segment.levels[0]).toMatchObject({
      level: 'Premium',
      requestedShare: 0.55,
      deliveredCount: 560,
      withinTolerance: true,
    });
    expect(segment.levels[0]!.deliveredShare).toBeCloseTo(0.56, 10);
    expect(segment.levels[0]!.deviation).toBeCloseTo(0.01, 10);
    expect(report.numeric[0]).toMatchObject({
      column: 'purchase.intent',
      present: true,
      requestedMin: 70,
      requestedMax: 100,
      observedMin: 70,
      observedMax: 100,
      count: 1000,
      inside: 1000,
      fractionInside: 1,
      conforms: true,
    });
  });

  it('flags share deviations beyond the tolerance and values outside the range', () => {
    const acc = createConformanceAccumulator(CONDITIONS);
    for (const row of rows(1000, { Premium: 0.4, Mainstream: 0.4, Value: 0.2 }, 60, 100)) acc.addRow(row);
    const report = acc.report({ rowsRequested: 2000, rowsGenerated: 1000 });
    expect(report.conforms).toBe(false);
    expect(report.partial).toBe(true);
    expect(report.categorical[0]!.levels.map((l) => l.withinTolerance)).toEqual([false, false, false]);
    const intent = report.numeric[0]!;
    expect(intent.observedMin).toBe(60);
    expect(intent.fractionInside).toBeCloseTo(0.75, 2);
    expect(intent.conforms).toBe(false);
  });

  it('uses the given tolerance', () => {
    const acc = createConformanceAccumulator(CONDITIONS, { tolerance: 0.2 });
    for (const row of rows(1000, { Premium: 0.4, Mainstream: 0.4, Value: 0.2 }, 70, 100)) acc.addRow(row);
    expect(acc.report().conforms).toBe(true);
    expect(() => createConformanceAccumulator(CONDITIONS, { tolerance: 2 })).toThrow(RangeError);
  });

  it('counts missing, unrequested and non-numeric values', () => {
    const acc = createConformanceAccumulator({
      categorical: { s: { a: 0.5 } },
      numeric: { n: { min: 0, max: 10 } },
    });
    const input: Array<Record<string, unknown>> = [
      { s: 'a', n: '5' },
      { s: 'b', n: ' 7 ' },
      { s: null, n: '' },
      { s: '', n: null },
      { s: 'a', n: 'abc' },
      { s: 'c', n: Number.NaN },
      { s: 'a', n: 11n },
      { s: 'a', n: true },
    ];
    for (const row of input) acc.addRow(row);
    const report = acc.report();
    expect(report.categorical[0]).toMatchObject({ count: 6, missing: 2, unrequestedShare: 2 / 6 });
    expect(report.categorical[0]!.levels[0]!.deliveredShare).toBeCloseTo(4 / 6, 10);
    expect(report.numeric[0]).toMatchObject({
      count: 3,
      missing: 3,
      invalid: 2,
      inside: 2,
      observedMin: 5,
      observedMax: 11,
    });
    expect(report.rowsObserved).toBe(8);
    expect(report.rowsGenerated).toBeNull();
    expect(report.partial).toBe(false);
  });

  it('reads booleans as TRUE/FALSE levels and numbers as level text', () => {
    const acc = createConformanceAccumulator({
      categorical: { m: { TRUE: 0.5, FALSE: 0.5 }, k: { '1': 1 } },
    });
    acc.addRow({ m: true, k: 1 });
    acc.addRow({ m: false, k: 1n });
    const report = acc.report();
    expect(report.categorical[0]!.levels.map((l) => l.deliveredCount)).toEqual([1, 1]);
    expect(report.categorical[1]!.levels[0]!.deliveredCount).toBe(2);
    expect(report.conforms).toBe(true);
  });

  it('reports a conditioned column missing from the delivery as not conforming', () => {
    const acc = createConformanceAccumulator(CONDITIONS);
    acc.addRow({ segment: 'Premium' });
    const report = acc.report();
    expect(report.numeric[0]).toMatchObject({
      present: false,
      count: 0,
      fractionInside: null,
      observedMin: null,
      conforms: false,
    });
    expect(report.conforms).toBe(false);
  });

  it('does not conform when nothing was delivered', () => {
    const report = createConformanceAccumulator(CONDITIONS).report({ rowsRequested: 10, rowsGenerated: 0 });
    expect(report.conforms).toBe(false);
    expect(report.categorical[0]!.levels[0]).toMatchObject({
      deliveredShare: null,
      deviation: null,
      withinTolerance: false,
    });
    expect(report.partial).toBe(true);
  });

  it('is vacuously conforming without conditions', () => {
    const acc = createConformanceAccumulator({});
    acc.addRow({ a: 1 });
    acc.addColumnBatch({ a: [1, 2] });
    expect(acc.columns).toEqual([]);
    expect(acc.report()).toMatchObject({ conforms: true, rowsObserved: 3, categorical: [], numeric: [] });
  });

  it('accepts arrays, typed arrays and array-likes as column batches', () => {
    const acc = createConformanceAccumulator({
      categorical: { s: { a: 0.5, b: 0.5 } },
      numeric: { n: { min: 0, max: 1 } },
    });
    acc.addColumnBatch({ s: ['a', 'b'], n: Float64Array.of(0, 1), ignored: ['z', 'z'] });
    acc.addColumnBatch({ s: { length: 2, 0: 'a', 1: 'b' }, n: Int32Array.of(0, 2) });
    acc.addColumnBatch({ s: null, n: undefined }, 5);
    const report = acc.report();
    expect(report.rowsObserved).toBe(9);
    expect(report.categorical[0]!.levels.map((l) => l.deliveredCount)).toEqual([2, 2]);
    expect(report.numeric[0]).toMatchObject({ count: 4, inside: 3, observedMax: 2 });
  });

  it('reads Arrow vectors, including dictionary-encoded strings and int64', () => {
    const table = new Table({
      segment: vectorFromArray(
        ['Premium', 'Value', 'Premium', 'Mainstream'],
        new Dictionary(new Utf8(), new Int32()),
      ),
      'purchase.intent': makeVector(BigInt64Array.of(70n, 80n, 90n, 100n)),
    });
    const acc = createConformanceAccumulator({
      categorical: { segment: { Premium: 0.5, Mainstream: 0.25, Value: 0.25 } },
      numeric: { 'purchase.intent': { min: 70, max: 100 } },
    });
    for (const batch of table.batches as RecordBatch[]) {
      acc.addColumnBatch(
        Object.fromEntries(acc.columns.map((c) => [c, batch.getChild(c) ?? undefined])),
        batch.numRows,
      );
    }
    const report = acc.report({ rowsRequested: 4, rowsGenerated: 4 });
    expect(report.conforms).toBe(true);
    expect(report.numeric[0]).toMatchObject({ observedMin: 70, observedMax: 100, inside: 4 });
  });

  it('treats bounds inclusively with float slack', () => {
    const acc = createConformanceAccumulator({ numeric: { x: { min: 0.1, max: 0.3 } } });
    acc.addColumnBatch({ x: [0.1, 0.1 + 0.2, 0.3] });
    expect(acc.report().numeric[0]!.inside).toBe(3);
  });
});

describe('buildConformanceReport', () => {
  it('builds a report from precomputed statistics', () => {
    const report = buildConformanceReport(
      CONDITIONS,
      {
        rows: 100,
        categorical: {
          segment: { counts: { Premium: 55, Mainstream: 35, Value: 10 }, other: 0, missing: 0 },
        },
        numeric: { 'purchase.intent': { count: 100, missing: 0, invalid: 0, inside: 99, min: 69, max: 100 } },
      },
      { rowsRequested: 100, rowsGenerated: 100 },
    );
    expect(report.conforms).toBe(true);
    expect(report.numeric[0]!.fractionInside).toBe(0.99);
  });

  it('is JSON-serialisable for the landing manifest', () => {
    const acc = createConformanceAccumulator(CONDITIONS);
    acc.addRow({ segment: 'Premium', 'purchase.intent': 75 });
    const report = acc.report();
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('judges a clamped range on the applied range and flags it, partly or wholly outside', () => {
    const written: Conditions = { numeric: { age: { min: 90, max: 120 }, score: { min: -5, max: 50 } } };
    const clamps = [
      ...clampsFor('age', { min: 90, max: 120 }, { min: 18, max: 80 }),
      ...clampsFor('score', { min: -5, max: 50 }, { min: 0, max: 100 }),
    ];
    const acc = createConformanceAccumulator(written, { clamps });
    for (let i = 0; i < 10; i++) acc.addRow({ age: 80, score: 10 + i });
    const report = acc.report({ rowsRequested: 100, rowsGenerated: 10 });
    expect(report.conforms).toBe(true);
    expect(report.partial).toBe(true);
    expect(report.clampedColumns).toEqual(['age', 'score']);
    expect(report.numeric[0]).toMatchObject({
      column: 'age',
      requestedMin: 80,
      requestedMax: 80,
      inside: 10,
      clamped: { writtenMin: 90, writtenMax: 120, outside: 'wholly' },
    });
    expect(report.numeric[1]).toMatchObject({
      requestedMin: 0,
      requestedMax: 50,
      clamped: { writtenMin: -5, writtenMax: 50, outside: 'partly' },
    });
    expect(createConformanceAccumulator(CONDITIONS).report().clampedColumns).toEqual([]);
  });
});
