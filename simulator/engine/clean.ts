/**
 * The cleaning pass: renames columns to identifier-safe names, drops columns the model cannot or
 * should not learn from (reporting each with the contract's reason codes), folds rare categorical
 * levels into `Other`, and marks columns that may not be used in `conditions`.
 */
import { vendorColumnName } from '../../src/conditions/column-names.ts';
import type {
  CleanCategoricalColumn,
  CleanColumn,
  CleanNumericColumn,
  CleanTable,
  CleaningSummary,
  SeedColumn,
  SeedTable,
} from './types.ts';

export interface CleanOptions {
  /**
   * The upload's `auto_clean` flag (default true). When false only what the model cannot handle
   * is dropped (datetimes, all-missing columns); identifiers, constants and near-constant columns
   * stay, rare levels are not folded.
   */
  readonly autoClean?: boolean;
}

export interface CleanResult {
  readonly table: CleanTable;
  readonly summary: CleaningSummary;
  /** Original name -> vendor name, for every retained column whose name changed. */
  readonly renames: Record<string, string>;
}

type DropReason = CleaningSummary['dropped_columns'][number]['reason'];

/** Level that rare levels are folded into. */
export const OTHER_LEVEL = 'Other';
/** Seeds smaller than this keep all-unique text columns (too few rows to call them identifiers). */
const MIN_ROWS_FOR_IDENTIFIER = 20;
/** More distinct levels than this makes a categorical column high-cardinality. */
const MAX_CONDITIONABLE_LEVELS = 100;
/** Correlation at or above which a numeric column is a copy of an earlier one. */
const REDUNDANT_CORRELATION = 0.999;
const ID_NAME_PATTERN = /(^|[^a-z])(id|uuid|guid|key)$|^id([^a-z]|$)/i;

/**
 * Cleans a seed for training. Rows are never dropped (`clean_rows = input_rows`); dropped columns
 * are reported under their original names.
 */
export function cleanSeed(seed: SeedTable, options: CleanOptions = {}): CleanResult {
  const autoClean = options.autoClean ?? true;
  const dropped: Array<{ name: string; reason: DropReason }> = [];
  const retained: CleanColumn[] = [];
  for (const column of seed.columns) {
    const outcome = cleanColumn(column, vendorColumnName(column.name), seed.rowCount, autoClean, retained);
    if ('reason' in outcome) dropped.push({ name: column.name, reason: outcome.reason });
    else retained.push(outcome);
  }
  // Unique among the retained columns only, so a dropped column never pushes a suffix onto a kept one.
  const names = uniqueNames(retained.map((column) => column.name));
  const columns = retained.map((column, index) => ({ ...column, name: names[index]! }));
  const renames: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const column of columns)
    if (column.name !== column.originalName) renames[column.originalName] = column.name;

  return {
    table: { rowCount: seed.rowCount, columns },
    summary: {
      input_rows: seed.rowCount,
      input_columns: seed.columns.length,
      clean_rows: seed.rowCount,
      clean_columns: columns.length,
      dropped_columns: dropped,
    },
    renames,
  };
}

/** Names made unique the way R's `make.names(unique = TRUE)` does: `.1`, `.2`, ... */
function uniqueNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((base) => {
    let candidate = base;
    for (let n = 1; used.has(candidate); n++) candidate = `${base}.${n}`;
    used.add(candidate);
    return candidate;
  });
}

function cleanColumn(
  column: SeedColumn,
  name: string,
  rowCount: number,
  autoClean: boolean,
  kept: readonly CleanColumn[],
): CleanColumn | { reason: DropReason } {
  switch (column.kind) {
    case 'datetime':
      return { reason: 'unsupported_datetime' };
    case 'numeric':
      return cleanNumeric(column.name, name, column.values, autoClean, kept);
    case 'logical':
      return cleanCategorical(
        column.name,
        name,
        column.values.map((v) => (v === null ? null : v ? 'TRUE' : 'FALSE')),
        'logical',
        rowCount,
        autoClean,
      );
    case 'categorical':
      return cleanCategorical(
        column.name,
        name,
        column.values.map((v) => (v === null ? null : v.trim())),
        'factor',
        rowCount,
        autoClean,
      );
  }
}

function cleanNumeric(
  originalName: string,
  name: string,
  values: Float64Array,
  autoClean: boolean,
  kept: readonly CleanColumn[],
): CleanNumericColumn | { reason: DropReason } {
  const present = values.filter((v) => !Number.isNaN(v));
  if (present.length === 0) return { reason: 'other' };
  const counts = new Map<number, number>();
  for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
  const integer = present.every((v) => Number.isInteger(v));
  if (autoClean) {
    if (counts.size <= 1) return { reason: 'low_variance' };
    if (integer && isIdentifierLikeInteger(originalName, present, counts.size, values.length)) {
      return { reason: 'identifier_like_column' };
    }
    if (isNearZeroVariance(counts, present.length)) return { reason: 'low_variance' };
    if (kept.some((other) => other.kind === 'numeric' && isRedundant(values, other.values))) {
      return { reason: 'redundant_numeric' };
    }
  }
  return {
    name,
    originalName,
    kind: 'numeric',
    type: integer ? 'integer' : 'numeric',
    values,
    conditioningExcluded: false,
  };
}

/** All distinct whole numbers with no gaps (a row counter) or an id-like name. */
function isIdentifierLikeInteger(
  name: string,
  present: Float64Array,
  distinct: number,
  rows: number,
): boolean {
  if (rows < MIN_ROWS_FOR_IDENTIFIER || present.length !== rows || distinct !== rows) return false;
  let min = Infinity;
  let max = -Infinity;
  for (const v of present) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min + 1 === rows || ID_NAME_PATTERN.test(name);
}

/**
 * caret's `nearZeroVar` rule: the most common value is over 19 times as frequent as the second
 * (95/5) and fewer than 10 % of the values are distinct.
 */
function isNearZeroVariance(counts: ReadonlyMap<number, number>, n: number): boolean {
  const sorted = [...counts.values()].sort((a, b) => b - a);
  const [first = 0, second = 0] = sorted;
  return second > 0 && first / second > 19 && counts.size / n < 0.1;
}

function isRedundant(a: Float64Array, b: Float64Array): boolean {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    n++;
    sa += x;
    sb += y;
  }
  if (n < 10) return false;
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    cov += (x - ma) * (y - mb);
    va += (x - ma) ** 2;
    vb += (y - mb) ** 2;
  }
  if (va === 0 || vb === 0) return false;
  return Math.abs(cov / Math.sqrt(va * vb)) >= REDUNDANT_CORRELATION;
}

/** Rare = fewer than max(3, 0.5 % of the non-missing values). */
function rareThreshold(n: number): number {
  return Math.max(3, Math.ceil(0.005 * n));
}

function cleanCategorical(
  originalName: string,
  name: string,
  values: ReadonlyArray<string | null>,
  type: 'factor' | 'logical',
  rowCount: number,
  autoClean: boolean,
): CleanCategoricalColumn | { reason: DropReason } {
  const counts = new Map<string, number>();
  let present = 0;
  for (const v of values) {
    if (v === null) continue;
    present++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (present === 0) return { reason: 'other' };
  if (autoClean && counts.size <= 1) return { reason: 'constant_categorical' };
  const allUnique = counts.size === present && present >= MIN_ROWS_FOR_IDENTIFIER;
  if (autoClean && allUnique && type === 'factor') return { reason: 'identifier_like_column' };
  const highCardinality =
    allUnique || counts.size > MAX_CONDITIONABLE_LEVELS || (present >= 40 && counts.size > present / 2);

  let folded: string[] = [];
  if (autoClean && !highCardinality) {
    const threshold = rareThreshold(present);
    folded = [...counts]
      .filter(([level, count]) => count < threshold && level !== OTHER_LEVEL)
      .map(([l]) => l);
    if (folded.length > 0 && folded.length === counts.size) return { reason: 'rare_category' };
    if (folded.length > 0) {
      const remaining = new Set(counts.keys());
      for (const level of folded) remaining.delete(level);
      remaining.add(OTHER_LEVEL);
      if (remaining.size <= 1) return { reason: 'rare_category' };
    }
  }
  const foldedSet = new Set(folded);
  const mapped = values.map((v) => (v !== null && foldedSet.has(v) ? OTHER_LEVEL : v));
  const levels =
    type === 'logical' ? ['FALSE', 'TRUE'] : [...new Set(mapped.filter((v) => v !== null))].sort(compareText);
  const index = new Map(levels.map((level, i) => [level, i]));
  const codes = new Int32Array(rowCount);
  mapped.forEach((v, i) => {
    codes[i] = v === null ? -1 : index.get(v)!;
  });
  return {
    name,
    originalName,
    kind: 'categorical',
    type,
    levels,
    codes,
    conditioningExcluded: highCardinality,
    foldedLevels: [...folded].sort(compareText),
  };
}

/** Code-point order, independent of the host locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
