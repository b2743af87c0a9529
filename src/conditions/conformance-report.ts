/**
 * The conformance report: per categorical column the requested vs delivered share of each level,
 * per numeric column the requested range vs the observed values, each within a tolerance (the
 * vendor treats shares as targets "subject to feasibility jitter"). Built from the statistics the
 * accumulator of conformance.ts gathers.
 */
import type { Conditions } from '../client/contract.ts';
import { applyClamps, type NumericClamp, type RangeOutside } from './numeric-range.ts';

/** Default absolute tolerance on shares, and on the fraction of rows outside a numeric range. */
export const DEFAULT_CONFORMANCE_TOLERANCE = 0.02;

export interface LevelConformance {
  readonly level: string;
  readonly requestedShare: number;
  /** Delivered share among the column's non-missing values; null when there were none. */
  readonly deliveredShare: number | null;
  readonly deliveredCount: number;
  /** |delivered - requested|; null when nothing was delivered. */
  readonly deviation: number | null;
  readonly withinTolerance: boolean;
}

export interface CategoricalConformance {
  readonly column: string;
  /** False when the delivered data has no such column. */
  readonly present: boolean;
  /** Rows with a value in this column. */
  readonly count: number;
  /** Rows where the column was null/empty. */
  readonly missing: number;
  readonly levels: readonly LevelConformance[];
  /** Share of values that are levels not named in the conditions; null when nothing was delivered. */
  readonly unrequestedShare: number | null;
  readonly conforms: boolean;
}

export interface NumericConformance {
  readonly column: string;
  readonly present: boolean;
  /** The requested (after clamping: applied) range. */
  readonly requestedMin: number;
  readonly requestedMax: number;
  readonly observedMin: number | null;
  readonly observedMax: number | null;
  /** Rows with a numeric value in this column. */
  readonly count: number;
  readonly missing: number;
  /** Values that are not numbers (e.g. text in a CSV column). */
  readonly invalid: number;
  /** Rows whose value lies within [requestedMin, requestedMax]. */
  readonly inside: number;
  /** inside / count; null when there were no values. */
  readonly fractionInside: number | null;
  readonly conforms: boolean;
  /**
   * Set when the vendor clamped the range written in the scenario into the schema's range: the
   * range as written and how much of it lay outside (`wholly`: expect a tiny or partial result).
   */
  readonly clamped: {
    readonly writtenMin: number;
    readonly writtenMax: number;
    readonly outside: RangeOutside;
  } | null;
}

export interface ConformanceReport {
  /** True when every conditioned column conforms (vacuously true without conditions). */
  readonly conforms: boolean;
  readonly tolerance: number;
  readonly rowsRequested: number | null;
  readonly rowsGenerated: number | null;
  /** Rows actually read from the delivered artifact. */
  readonly rowsObserved: number;
  /** Fewer rows generated than requested (vendor status `partial`). */
  readonly partial: boolean;
  readonly categorical: readonly CategoricalConformance[];
  readonly numeric: readonly NumericConformance[];
  /** Columns whose written range the vendor clamped (see each entry's `clamped`). */
  readonly clampedColumns: readonly string[];
}

/** Counts for one categorical column; `counts` covers the requested levels only. */
export interface CategoricalStatistics {
  readonly counts: Readonly<Record<string, number>>;
  /** Values that are not one of the requested levels. */
  readonly other: number;
  readonly missing: number;
}

/** Counts for one numeric column, relative to its requested range. */
export interface NumericStatistics {
  readonly count: number;
  readonly missing: number;
  readonly invalid: number;
  readonly inside: number;
  readonly min: number | null;
  readonly max: number | null;
}

/** What was delivered, per conditioned column; a column absent from the data is left out. */
export interface DeliveredStatistics {
  readonly rows: number;
  readonly categorical: Readonly<Record<string, CategoricalStatistics | undefined>>;
  readonly numeric: Readonly<Record<string, NumericStatistics | undefined>>;
}

export interface ConformanceOptions {
  /** Absolute tolerance (default {@link DEFAULT_CONFORMANCE_TOLERANCE}). */
  readonly tolerance?: number;
  /**
   * The clamps the vendor applied to the numeric ranges of `conditions` (as sent, bounds as
   * written): values are judged against the applied ranges and the entries are flagged.
   */
  readonly clamps?: readonly NumericClamp[];
}

export interface RowCounts {
  readonly rowsRequested?: number | null;
  readonly rowsGenerated?: number | null;
}

/** Float slack for share and range comparisons. */
export const EPSILON = 1e-9;

export function toleranceOf(options: ConformanceOptions): number {
  const tolerance = options.tolerance ?? DEFAULT_CONFORMANCE_TOLERANCE;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1) {
    throw new RangeError(`conformance tolerance must be between 0 and 1, got ${tolerance}`);
  }
  return tolerance;
}

function categoricalReport(
  column: string,
  requested: Readonly<Record<string, number>>,
  stats: CategoricalStatistics | undefined,
  tolerance: number,
): CategoricalConformance {
  const count = stats ? Object.values(stats.counts).reduce((a, b) => a + b, 0) + stats.other : 0;
  const levels = Object.entries(requested).map(([level, requestedShare]): LevelConformance => {
    const deliveredCount = stats?.counts[level] ?? 0;
    const deliveredShare = count > 0 ? deliveredCount / count : null;
    const deviation = deliveredShare === null ? null : Math.abs(deliveredShare - requestedShare);
    return {
      level,
      requestedShare,
      deliveredShare,
      deliveredCount,
      deviation,
      withinTolerance: deviation !== null && deviation <= tolerance + EPSILON,
    };
  });
  return {
    column,
    present: stats !== undefined,
    count,
    missing: stats?.missing ?? 0,
    levels,
    unrequestedShare: stats && count > 0 ? stats.other / count : null,
    conforms: count > 0 && levels.every((l) => l.withinTolerance),
  };
}

function numericReport(
  column: string,
  written: { readonly min: number; readonly max: number },
  stats: NumericStatistics | undefined,
  tolerance: number,
  clamps: readonly NumericClamp[],
): NumericConformance {
  const own = clamps.filter((c) => c.column === column);
  const requested = applyClamps({ numeric: { [column]: written } }, own).numeric![column]!;
  const count = stats?.count ?? 0;
  const fractionInside = stats && count > 0 ? stats.inside / count : null;
  return {
    column,
    present: stats !== undefined,
    requestedMin: requested.min,
    requestedMax: requested.max,
    observedMin: stats?.min ?? null,
    observedMax: stats?.max ?? null,
    count,
    missing: stats?.missing ?? 0,
    invalid: stats?.invalid ?? 0,
    inside: stats?.inside ?? 0,
    fractionInside,
    conforms: fractionInside !== null && 1 - fractionInside <= tolerance + EPSILON,
    clamped:
      own.length === 0
        ? null
        : {
            writtenMin: written.min,
            writtenMax: written.max,
            outside: own.some((c) => c.outside === 'wholly') ? 'wholly' : 'partly',
          },
  };
}

/** The conformance report of `statistics` against the requested `conditions` (cleaned names). */
export function buildConformanceReport(
  conditions: Conditions,
  statistics: DeliveredStatistics,
  counts: RowCounts = {},
  options: ConformanceOptions = {},
): ConformanceReport {
  const tolerance = toleranceOf(options);
  const categorical = Object.entries(conditions.categorical ?? {}).map(([column, shares]) =>
    categoricalReport(column, shares, statistics.categorical[column], tolerance),
  );
  const numeric = Object.entries(conditions.numeric ?? {}).map(([column, range]) =>
    numericReport(column, range, statistics.numeric[column], tolerance, options.clamps ?? []),
  );
  const rowsRequested = counts.rowsRequested ?? null;
  const rowsGenerated = counts.rowsGenerated ?? null;
  return {
    conforms: categorical.every((c) => c.conforms) && numeric.every((n) => n.conforms),
    tolerance,
    rowsRequested,
    rowsGenerated,
    rowsObserved: statistics.rows,
    partial: rowsRequested !== null && rowsGenerated !== null && rowsGenerated < rowsRequested,
    categorical,
    numeric,
    clampedColumns: numeric.filter((n) => n.clamped !== null).map((n) => n.column),
  };
}
