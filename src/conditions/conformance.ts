/**
 * Conformance of delivered synthetic rows to the requested conditions, gathered in one streaming
 * pass: {@link createConformanceAccumulator} counts (rows or column batches, memory bounded by the
 * number of conditioned columns and levels), and conformance-report.ts's
 * `buildConformanceReport` turns the counts into the report.
 */
import type { Conditions } from '../client/contract.ts';
import {
  EPSILON,
  buildConformanceReport,
  toleranceOf,
  type CategoricalStatistics,
  type ConformanceOptions,
  type ConformanceReport,
  type DeliveredStatistics,
  type NumericStatistics,
  type RowCounts,
} from './conformance-report.ts';
import { applyClamps } from './numeric-range.ts';

/** A categorical value as a level name; null when missing. Booleans read as R's `TRUE`/`FALSE`. */
function levelOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') return Number.isNaN(value) ? null : String(value);
  if (typeof value === 'bigint') return value.toString();
  // Anything else (dates, structs) is not a level name; it counts as an unrequested value.
  return value instanceof Date ? value.toISOString() : Object.prototype.toString.call(value);
}

/** A numeric value; `null` when missing, `undefined` when not a number. */
function numberOf(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isNaN(value) ? null : value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    const parsed = Number(text);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  return undefined;
}

class CategoricalCounter {
  readonly counts = new Map<string, number>();
  other = 0;
  missing = 0;
  seen = false;
  constructor(levels: readonly string[]) {
    for (const level of levels) this.counts.set(level, 0);
  }
  add(value: unknown): void {
    const level = levelOf(value);
    if (level === null) this.missing++;
    else {
      const current = this.counts.get(level);
      if (current === undefined) this.other++;
      else this.counts.set(level, current + 1);
    }
  }
  statistics(): CategoricalStatistics {
    return { counts: Object.fromEntries(this.counts), other: this.other, missing: this.missing };
  }
}

class NumericCounter {
  count = 0;
  missing = 0;
  invalid = 0;
  inside = 0;
  min = Infinity;
  max = -Infinity;
  seen = false;
  private readonly low: number;
  private readonly high: number;
  constructor(range: { readonly min: number; readonly max: number }) {
    this.low = range.min - EPSILON * Math.max(1, Math.abs(range.min));
    this.high = range.max + EPSILON * Math.max(1, Math.abs(range.max));
  }
  add(value: unknown): void {
    const n = numberOf(value);
    if (n === null) this.missing++;
    else if (n === undefined) this.invalid++;
    else {
      this.count++;
      if (n < this.min) this.min = n;
      if (n > this.max) this.max = n;
      if (n >= this.low && n <= this.high) this.inside++;
    }
  }
  statistics(): NumericStatistics {
    return {
      count: this.count,
      missing: this.missing,
      invalid: this.invalid,
      inside: this.inside,
      min: this.count > 0 ? this.min : null,
      max: this.count > 0 ? this.max : null,
    };
  }
}

/** A column of a batch: an array, a typed array, an Arrow `Vector`, or any iterable/array-like. */
export type ColumnValues = Iterable<unknown> | ArrayLike<unknown>;

/** Streams delivered rows into conformance statistics; nothing but counters is kept. */
export interface ConformanceAccumulator {
  /** The conditioned columns (cleaned names): the only columns the accumulator reads. */
  readonly columns: readonly string[];
  /** Adds one row (column name -> value); columns missing from the row object are not counted. */
  addRow(row: Readonly<Record<string, unknown>>): void;
  /**
   * Adds a column batch (e.g. a Parquet row-group slice or an Arrow record batch). `rowCount` is
   * the batch's row count; by default the length of the longest conditioned column in the batch
   * (or of its first column when it has no conditioned column).
   */
  addColumnBatch(columns: Readonly<Record<string, ColumnValues | null | undefined>>, rowCount?: number): void;
  /** Statistics so far. */
  statistics(): DeliveredStatistics;
  /** The report so far; pass the vendor's row counts for `partial`. */
  report(counts?: RowCounts): ConformanceReport;
}

function forEachValue(values: ColumnValues, visit: (value: unknown) => void): number {
  let n = 0;
  if (typeof (values as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const value of values as Iterable<unknown>) {
      visit(value);
      n++;
    }
    return n;
  }
  const arrayLike = values as ArrayLike<unknown>;
  for (; n < arrayLike.length; n++) visit(arrayLike[n]);
  return n;
}

/** Row count of a batch none of whose columns were read: the first column's `length`, if any. */
function batchLength(batch: Readonly<Record<string, ColumnValues | null | undefined>>): number {
  for (const values of Object.values(batch)) {
    const length = (values as { length?: unknown } | null | undefined)?.length;
    if (typeof length === 'number') return length;
  }
  return 0;
}

/** An accumulator for `conditions` (the resolved conditions, cleaned column names). */
export function createConformanceAccumulator(
  conditions: Conditions,
  options: ConformanceOptions = {},
): ConformanceAccumulator {
  toleranceOf(options); // fail fast on a bad tolerance
  const categorical = new Map(
    Object.entries(conditions.categorical ?? {}).map(([column, shares]) => [
      column,
      new CategoricalCounter(Object.keys(shares)),
    ]),
  );
  const applied = applyClamps(conditions, options.clamps ?? []);
  const numeric = new Map(
    Object.entries(applied.numeric ?? {}).map(([column, range]) => [column, new NumericCounter(range)]),
  );
  const columns = [...new Set([...categorical.keys(), ...numeric.keys()])];
  let rows = 0;

  const statistics = (): DeliveredStatistics => ({
    rows,
    categorical: Object.fromEntries(
      [...categorical].filter(([, c]) => c.seen).map(([column, c]) => [column, c.statistics()]),
    ),
    numeric: Object.fromEntries(
      [...numeric].filter(([, c]) => c.seen).map(([column, c]) => [column, c.statistics()]),
    ),
  });

  return {
    columns,
    addRow(row) {
      rows++;
      for (const [column, counter] of categorical) {
        if (!(column in row)) continue;
        counter.seen = true;
        counter.add(row[column]);
      }
      for (const [column, counter] of numeric) {
        if (!(column in row)) continue;
        counter.seen = true;
        counter.add(row[column]);
      }
    },
    addColumnBatch(batch, rowCount) {
      let longest: number | null = null;
      for (const [column, counter] of [...categorical, ...numeric]) {
        const values = batch[column];
        if (values === null || values === undefined) continue;
        counter.seen = true;
        longest = Math.max(
          longest ?? 0,
          forEachValue(values, (value) => counter.add(value)),
        );
      }
      rows += rowCount ?? longest ?? batchLength(batch);
    },
    statistics,
    report(counts = {}) {
      return buildConformanceReport(conditions, statistics(), counts, options);
    },
  };
}
