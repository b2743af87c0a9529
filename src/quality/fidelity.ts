/**
 * Fidelity: how close the synthetic distributions are to the seed's, per column and per pair.
 *
 * - Categorical column: total variation distance (TVD) of the value shares (missing excluded),
 *   exact from the full counts unless the column has more than `MAX_TRACKED_LEVELS` distinct
 *   values (then from the row samples).
 * - Numeric column: two-sample Kolmogorov–Smirnov statistic on the row samples. With samples of
 *   n and m rows the estimate is within ε = √(ln(2/α)/2n) + √(ln(2/α)/2m) of the full-data value
 *   with probability ≥ 1 − 2α (Dvoretzky–Kiefer–Wolfowitz); reported as `ksErrorBound95`.
 * - Pair of numeric columns: Pearson correlation on the samples; similarity 1 − |Δr| / 2.
 * - Other pairs: Cramér's V of the contingency table (numeric columns binned at the seed sample's
 *   deciles, at most 20 categories per column plus "other"); similarity 1 − |ΔV|.
 *
 * Summary score = mean of (column score, pair score), where column score is the mean of
 * 1 − distance over the unconstrained columns and pair score the mean similarity over pairs of
 * unconstrained columns. 1 means indistinguishable at this resolution.
 */
import { cellKey, type ColumnStats } from './profile.ts';
import type { Cell } from './cells.ts';

const MAX_PAIR_LEVELS = 20;
const NUMERIC_BINS = 10;

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** TVD between two count maps over their non-missing values. */
export function tvdOfCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  const totalA = [...a.values()].reduce((x, y) => x + y, 0);
  const totalB = [...b.values()].reduce((x, y) => x + y, 0);
  if (totalA === 0 || totalB === 0) return totalA === totalB ? 0 : 1;
  let sum = 0;
  for (const [key, count] of a) sum += Math.abs(count / totalA - (b.get(key) ?? 0) / totalB);
  for (const [key, count] of b) if (!a.has(key)) sum += count / totalB;
  return sum / 2;
}

export function countsOf(rows: readonly Cell[][], column: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const cell = row[column]!;
    if (cell === null) continue;
    const key = cellKey(cell);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function mergeCounts(
  a: ReadonlyMap<string, number>,
  b: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map(a);
  for (const [key, count] of b) out.set(key, (out.get(key) ?? 0) + count);
  return out;
}

function numbersOf(rows: readonly Cell[][], column: number): Float64Array {
  const out: number[] = [];
  for (const row of rows) {
    const cell = row[column];
    if (typeof cell === 'number') out.push(cell);
  }
  return Float64Array.from(out).sort();
}

/** Two-sample KS statistic of the numeric values of `column` in two row samples. */
export function ksStatistic(a: readonly Cell[][], b: readonly Cell[][], column: number): number {
  const x = numbersOf(a, column);
  const y = numbersOf(b, column);
  if (x.length === 0 || y.length === 0) return x.length === y.length ? 0 : 1;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** DKW bound at α = 0.025 per sample (95 % jointly) on the KS estimate from samples of n and m. */
export function ksErrorBound95(n: number, m: number): number | null {
  if (n === 0 || m === 0) return null;
  const term = (k: number): number => Math.sqrt(Math.log(2 / 0.025) / (2 * k));
  return term(n) + term(m);
}

export function pearson(rows: readonly Cell[][], a: number, b: number): number | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const row of rows) {
    const x = row[a];
    const y = row[b];
    if (typeof x !== 'number' || typeof y !== 'number') continue;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  if (n < 3) return null;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  if (vx <= 0 || vy <= 0) return null;
  return (sxy - (sx * sy) / n) / Math.sqrt(vx * vy);
}

/** Maps a cell to a small category for contingency tables. */
export type Binner = (cell: Cell) => string | null;

/** Numeric: deciles of the seed sample; categorical: the 20 most frequent seed values + other. */
export function binnerFor(seedRows: readonly Cell[][], column: number, numeric: boolean): Binner {
  if (numeric) {
    const values = numbersOf(seedRows, column);
    const cuts: number[] = [];
    for (let k = 1; k < NUMERIC_BINS; k++) {
      const v = values[Math.floor((k * values.length) / NUMERIC_BINS)];
      if (v !== undefined && cuts.at(-1) !== v) cuts.push(v);
    }
    return (cell) => {
      if (typeof cell !== 'number') return null;
      let bin = 0;
      while (bin < cuts.length && cell >= cuts[bin]!) bin++;
      return String(bin);
    };
  }
  const top = new Set(
    [...countsOf(seedRows, column)]
      .sort((x, y) => y[1] - x[1])
      .slice(0, MAX_PAIR_LEVELS)
      .map(([key]) => key),
  );
  return (cell) => {
    if (cell === null) return null;
    const key = cellKey(cell);
    return top.has(key) ? key : '\u0000other';
  };
}

/** Cramér's V of two binned columns over the rows where both are present. */
export function cramersV(
  rows: readonly Cell[][],
  a: number,
  b: number,
  binA: Binner,
  binB: Binner,
): number | null {
  const table = new Map<string, number>();
  const rowTotals = new Map<string, number>();
  const colTotals = new Map<string, number>();
  let n = 0;
  for (const row of rows) {
    const x = binA(row[a]!);
    const y = binB(row[b]!);
    if (x === null || y === null) continue;
    n += 1;
    const key = `${x}\u0001${y}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowTotals.set(x, (rowTotals.get(x) ?? 0) + 1);
    colTotals.set(y, (colTotals.get(y) ?? 0) + 1);
  }
  const k = Math.min(rowTotals.size, colTotals.size);
  if (n === 0 || k < 2) return null;
  let chi2 = 0;
  for (const [x, rx] of rowTotals) {
    for (const [y, cy] of colTotals) {
      const expected = (rx * cy) / n;
      const observed = table.get(`${x}\u0001${y}`) ?? 0;
      chi2 += ((observed - expected) * (observed - expected)) / expected;
    }
  }
  return Math.sqrt(chi2 / (n * (k - 1)));
}

/** Missing share of a column from its stats (0 when the table is empty). */
export function missingShare(stats: ColumnStats, rows: number): number {
  return rows === 0 ? 0 : stats.missing / rows;
}
