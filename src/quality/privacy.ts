/**
 * Privacy measures that need row-to-row distances: distance to closest record (DCR).
 *
 * Distance is Gower's: the mean over columns of |x − y| / range for numeric columns (range of
 * the seed), 0/1 mismatch for the others; two missing cells are equal, one missing cell is a full
 * mismatch. The reference set is a sample of the seed's reference half; each sampled synthetic row
 * and each sampled holdout row gets its distance to the closest reference row. Rows that are as
 * far from the seed as fresh rows of the same population have the holdout's DCR distribution; a
 * generator that copies or barely perturbs seed rows has many DCRs below the holdout's 5th
 * percentile.
 */
import type { Cell } from './cells.ts';

export interface DcrColumn {
  readonly numeric: boolean;
  /** Seed range of a numeric column (0 for constant or categorical columns). */
  readonly range: number;
}

function cellDistance(x: Cell, y: Cell, column: DcrColumn): number {
  if (x === null || y === null) return x === y ? 0 : 1;
  if (column.numeric && typeof x === 'number' && typeof y === 'number') {
    if (column.range <= 0) return x === y ? 0 : 1;
    return Math.min(1, Math.abs(x - y) / column.range);
  }
  return x === y ? 0 : 1;
}

/** Distance from each query row to its closest reference row (stops early at 0). */
export function closestDistances(
  queries: readonly Cell[][],
  reference: readonly Cell[][],
  columns: readonly DcrColumn[],
): Float64Array {
  const out = new Float64Array(queries.length);
  const width = columns.length;
  if (width === 0 || reference.length === 0) return out.fill(Number.NaN);
  for (let q = 0; q < queries.length; q++) {
    const query = queries[q]!;
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < reference.length && best > 0; r++) {
      const row = reference[r]!;
      let sum = 0;
      for (let c = 0; c < width && sum < best * width; c++) {
        sum += cellDistance(query[c]!, row[c]!, columns[c]!);
      }
      if (sum / width < best) best = sum / width;
    }
    out[q] = best;
  }
  return out;
}

/** The q-quantile (0..1) of values (nearest rank on the sorted values); null when empty. */
export function quantile(values: Float64Array, q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export interface DcrSummary {
  /** Sampled synthetic rows and holdout rows measured, and reference rows measured against. */
  readonly syntheticRows: number;
  readonly holdoutRows: number;
  readonly referenceRows: number;
  readonly syntheticP5: number | null;
  readonly syntheticMedian: number | null;
  readonly holdoutP5: number | null;
  readonly holdoutMedian: number | null;
  /** Share of synthetic rows strictly closer than the holdout's 5th percentile (≈ 0.05 is ideal). */
  readonly closeShare: number | null;
  /** Share of synthetic rows at distance 0 (an identical reference row). */
  readonly zeroShare: number | null;
  /** The same for holdout rows: what chance collisions look like in this seed. */
  readonly holdoutZeroShare: number | null;
  /** syntheticMedian / holdoutMedian (1 ≈ as far as fresh rows; near 0: copies). */
  readonly medianRatio: number | null;
}

function round(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Math.round(value * 1e6) / 1e6;
}

export function summariseDcr(
  synthetic: Float64Array,
  holdout: Float64Array,
  referenceRows: number,
): DcrSummary {
  const holdoutP5 = quantile(holdout, 0.05);
  const syntheticMedian = quantile(synthetic, 0.5);
  const holdoutMedian = quantile(holdout, 0.5);
  const shareOf = (values: Float64Array, test: (v: number) => boolean): number | null =>
    values.length === 0 ? null : values.filter(test).length / values.length;
  return {
    syntheticRows: synthetic.length,
    holdoutRows: holdout.length,
    referenceRows,
    syntheticP5: round(quantile(synthetic, 0.05)),
    syntheticMedian: round(syntheticMedian),
    holdoutP5: round(holdoutP5),
    holdoutMedian: round(holdoutMedian),
    closeShare: holdoutP5 === null ? null : round(shareOf(synthetic, (v) => v < holdoutP5)),
    zeroShare: round(shareOf(synthetic, (v) => v === 0)),
    holdoutZeroShare: round(shareOf(holdout, (v) => v === 0)),
    medianRatio:
      syntheticMedian === null || holdoutMedian === null || holdoutMedian === 0
        ? null
        : round(syntheticMedian / holdoutMedian),
  };
}
