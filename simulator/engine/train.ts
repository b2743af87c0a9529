/**
 * Training: turns the cleaned frame into a {@link TrainedModel}, a smoothed bootstrap. Rows are
 * kept whole (so joint structure between columns survives); each numeric column gets a kernel
 * bandwidth (half of Silverman's rule of thumb) used to jitter resampled values.
 */
import { createRandom } from './prng.ts';
import { observedRange } from './schema.ts';
import type { CleanTable, ModelColumn, TrainedModel } from './types.ts';

/** Larger seeds are subsampled (deterministically) to this many training rows. */
export const MAX_TRAINING_ROWS = 200_000;
const MAX_DECIMALS = 6;

export interface TrainOptions {
  /** Seed of the subsampling of large frames; training is deterministic for a given seed. */
  readonly seed: number;
}

/** Trains a model on the cleaned frame. */
export function trainModel(table: CleanTable, options: TrainOptions): TrainedModel {
  const rows = trainingRows(table.rowCount, options.seed);
  const columns = table.columns.map((column): ModelColumn => {
    if (column.kind === 'categorical') {
      return {
        name: column.name,
        kind: 'categorical',
        type: column.type,
        levels: [...column.levels],
        conditioningExcluded: column.conditioningExcluded,
        codes: Array.from(rows, (row) => column.codes[row]!),
      };
    }
    const values = Float64Array.from(rows, (row) => column.values[row]!);
    const { min, max } = observedRange(values);
    return {
      name: column.name,
      kind: 'numeric',
      type: column.type,
      min,
      max,
      bandwidth: bandwidth(values),
      decimals: column.type === 'integer' ? 0 : decimalsOf(values),
      conditioningExcluded: column.conditioningExcluded,
      values: Array.from(values, (v) => (Number.isNaN(v) ? null : v)),
    };
  });
  return {
    version: 1,
    rowCount: rows.length,
    trainingSeed: options.seed,
    columns,
    renames: Object.fromEntries(
      table.columns.filter((c) => c.name !== c.originalName).map((c) => [c.originalName, c.name]),
    ),
  };
}

/** All row indexes, or a sorted seeded sample without replacement when the frame is large. */
function trainingRows(rowCount: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: rowCount }, (_, i) => i);
  if (rowCount <= MAX_TRAINING_ROWS) return all;
  const random = createRandom(seed);
  for (let i = 0; i < MAX_TRAINING_ROWS; i++) {
    const j = i + random.int(rowCount - i);
    const tmp = all[i]!;
    all[i] = all[j]!;
    all[j] = tmp;
  }
  return all.slice(0, MAX_TRAINING_ROWS).sort();
}

/** 0.5 × Silverman's rule: 0.9 · min(sd, IQR / 1.34) · n^(-1/5), halved to keep dependencies sharp. */
function bandwidth(values: Float64Array): number {
  const present = values.filter((v) => !Number.isNaN(v)).sort();
  const n = present.length;
  if (n < 2) return 0;
  let mean = 0;
  for (const v of present) mean += v / n;
  let variance = 0;
  for (const v of present) variance += (v - mean) ** 2 / (n - 1);
  const sd = Math.sqrt(variance);
  const iqr = quantile(present, 0.75) - quantile(present, 0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  return 0.5 * 0.9 * spread * n ** -0.2;
}

function quantile(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** The most decimal places any value shows (capped), so generated values look like the seed's. */
function decimalsOf(values: Float64Array): number {
  let decimals = 0;
  for (const v of values) {
    if (Number.isNaN(v) || Number.isInteger(v)) continue;
    const text = String(v);
    const exponent = /e-(\d+)$/.exec(text);
    const fraction = /\.(\d+)/.exec(text)?.[1]?.length ?? 0;
    decimals = Math.max(decimals, exponent ? MAX_DECIMALS : fraction);
    if (decimals >= MAX_DECIMALS) return MAX_DECIMALS;
  }
  return decimals;
}
