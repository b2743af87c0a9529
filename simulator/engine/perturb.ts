/**
 * Generation modes beyond the smoothed bootstrap:
 *
 * - `perturbed` (honest): every generated row is rebuilt from its source row and near neighbours.
 *   Within the source's cell, the training rows are ordered along a projection (the sum of the
 *   numeric columns' z-scores); each unconditioned column takes, with probability
 *   {@link DONOR_PROBABILITY}, the value of a donor a few positions away in that order, and numeric
 *   values are then jittered at twice the bootstrap's bandwidth, never landing on the source's
 *   own value when the column has any spread. Marginals stay those of the cell; associations are
 *   kept locally (donors are neighbours) but no row is a seed row plus noise of rounding size.
 * - `copy` (leaky on purpose): seed rows verbatim, no jitter — proves the publish gate fires.
 */
import type { Random } from './prng.ts';
import type { ModelColumn } from './types.ts';

export const GENERATION_MODES = ['bootstrap', 'perturbed', 'copy'] as const;
export type GenerationMode = (typeof GENERATION_MODES)[number];

/** Share of unconditioned cells taken from a neighbour donor. */
export const DONOR_PROBABILITY = 0.5;
/** Donors are drawn from this share of the cell on each side of the source (at least 1 row). */
const DONOR_WINDOW_SHARE = 0.02;
/** Jitter of the perturbed mode, relative to the trained bandwidth. */
export const PERTURBED_BANDWIDTH_FACTOR = 2;

/** Position of each training row inside its cell's projection order. */
function projectionOrder(
  columns: readonly ModelColumn[],
  arrays: ReadonlyArray<Float64Array | Int32Array>,
  cells: readonly Int32Array[],
  rowCount: number,
): { ordered: Int32Array[]; cellOf: Int32Array; posOf: Int32Array } {
  const numeric = columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => column.kind === 'numeric');
  const stats = numeric.map(({ index }) => {
    const values = arrays[index] as Float64Array;
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      n += 1;
      sum += v;
      sq += v * v;
    }
    const mean = n > 0 ? sum / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 0;
    return { values, mean, sd };
  });
  const score = (row: number): number => {
    let s = 0;
    for (const { values, mean, sd } of stats) {
      const v = values[row]!;
      if (!Number.isNaN(v) && sd > 0) s += (v - mean) / sd;
    }
    return s;
  };
  const cellOf = new Int32Array(rowCount).fill(-1);
  const posOf = new Int32Array(rowCount);
  const ordered = cells.map((rows, cell) => {
    const scores = new Map(Array.from(rows, (row) => [row, score(row)] as const));
    const sorted = Int32Array.from(rows).sort((a, b) => scores.get(a)! - scores.get(b)! || a - b);
    sorted.forEach((row, pos) => {
      cellOf[row] = cell;
      posOf[row] = pos;
    });
    return sorted;
  });
  return { ordered, cellOf, posOf };
}

/**
 * For every generated row and column, the training row its value comes from: the source row, or
 * (for unconditioned columns, with probability {@link DONOR_PROBABILITY}) a neighbour in its cell.
 */
export function donorSources(
  columns: readonly ModelColumn[],
  arrays: ReadonlyArray<Float64Array | Int32Array>,
  cells: readonly Int32Array[],
  sources: Int32Array,
  conditioned: ReadonlySet<number>,
  random: Random,
): Int32Array[] {
  const rowCount = arrays[0]?.length ?? 0;
  const { ordered, cellOf, posOf } = projectionOrder(columns, arrays, cells, rowCount);
  return columns.map((_, index) => {
    const out = Int32Array.from(sources);
    if (conditioned.has(index)) return out;
    for (let i = 0; i < out.length; i++) {
      if (random.next() >= DONOR_PROBABILITY) continue;
      const source = out[i]!;
      const cellIndex = cellOf[source]!;
      if (cellIndex < 0) continue;
      const cell = ordered[cellIndex]!;
      if (cell.length < 2) continue;
      const window = Math.max(1, Math.round(cell.length * DONOR_WINDOW_SHARE));
      const step = 1 + random.int(window);
      const pos = random.next() < 0.5 ? posOf[source]! - step : posOf[source]! + step;
      out[i] = cell[Math.min(cell.length - 1, Math.max(0, pos))]!;
    }
    return out;
  });
}

/**
 * A jittered value that differs from `original` (after rounding) when the column has spread:
 * up to `attempts` draws inside [lo, hi], else the nearest rounded step away from the original.
 */
export function perturbValue(
  original: number,
  bandwidth: number,
  scale: number,
  lo: number,
  hi: number,
  random: Random,
  attempts = 8,
): number {
  if (Number.isNaN(original) || bandwidth <= 0) return original;
  const h = bandwidth * PERTURBED_BANDWIDTH_FACTOR;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const candidate = Math.round((original + h * random.normal()) * scale) / scale;
    if (candidate >= lo && candidate <= hi && candidate !== original) return candidate;
  }
  const step = 1 / scale;
  const up = Math.round((original + step) * scale) / scale;
  const down = Math.round((original - step) * scale) / scale;
  if (up <= hi) return up;
  if (down >= lo) return down;
  return original;
}
