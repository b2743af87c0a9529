/**
 * Generation from a trained model: a smoothed bootstrap with conditioning.
 *
 * 1. Training rows that cannot satisfy the numeric ranges (after clamping each bound into the
 *    observed range) or that carry a level with target share 0 are set aside.
 * 2. The remaining rows are grouped into cells by their levels of the conditioned categorical
 *    columns; iterative proportional fitting finds cell weights whose marginals equal the target
 *    shares, and largest-remainder turns them into exact row counts.
 * 3. A cell may give at most {@link MAX_TILT} times its natural share of rows; beyond that (and for
 *    target levels no feasible row has) the request is tight and the result is `partial`.
 * 4. Rows are drawn with replacement inside each cell, shuffled, and numeric values are jittered by
 *    the column's bandwidth, rounded like the seed, and kept inside the allowed range.
 *
 * `request.mode` selects how rows are made from their sources (see `perturb.ts`): `bootstrap`
 * (default, above: with few or coarse columns it returns seed rows verbatim), `perturbed` (every
 * row rebuilt from neighbours and jittered so it is no seed row) or `copy` (seed rows verbatim).
 */
import { InvalidConditionsError, checkConditions } from './conditions.ts';
import { donorSources, perturbValue, type GenerationMode } from './perturb.ts';
import { createRandom, largestRemainder, shuffleInPlace } from './prng.ts';
import type { Random } from './prng.ts';
import type {
  Conditions,
  GenerateRequest,
  GenerateResult,
  GeneratedColumn,
  ModelColumn,
  TrainedModel,
} from './types.ts';

/** A cell may be over-represented at most this many times relative to the training data. */
export const MAX_TILT = 50;
const JITTER_ATTEMPTS = 4;
const IPF_ITERATIONS = 200;
const IPF_TOLERANCE = 1e-10;

type NumericModelColumn = Extract<ModelColumn, { kind: 'numeric' }>;
type CategoricalModelColumn = Extract<ModelColumn, { kind: 'categorical' }>;

/** Column arrays decoded once per model object. */
const decoded = new WeakMap<TrainedModel, Array<Float64Array | Int32Array>>();

function columnArrays(model: TrainedModel): Array<Float64Array | Int32Array> {
  let arrays = decoded.get(model);
  if (!arrays) {
    arrays = model.columns.map((column) =>
      column.kind === 'numeric'
        ? Float64Array.from(column.values, (v) => (v === null ? Number.NaN : v))
        : Int32Array.from(column.codes),
    );
    decoded.set(model, arrays);
  }
  return arrays;
}

/**
 * Generates up to `rowCount` rows. Guarantees: never more than `rowCount` rows; every numeric
 * value of a conditioned column lies inside the requested [min, max] (clamped to the observed
 * range) and every value of any numeric column inside its observed range; the same model, request
 * and seed give identical output.
 *
 * @throws InvalidConditionsError when {@link checkConditions} reports problems.
 * @throws RangeError when `rowCount` is not a positive safe integer.
 */
export function generate(model: TrainedModel, request: GenerateRequest): GenerateResult {
  const { rowCount, conditions, seed } = request;
  const mode: GenerationMode = request.mode ?? 'bootstrap';
  if (!Number.isSafeInteger(rowCount) || rowCount < 1) {
    throw new RangeError(`rowCount must be a positive integer, got ${String(rowCount)}`);
  }
  const problems = checkConditions(model, conditions);
  if (problems.length > 0) throw new InvalidConditionsError(problems);

  const random = createRandom(seed);
  const arrays = columnArrays(model);
  const bounds = numericBounds(model, conditions);
  const targets = categoricalTargets(model, arrays, conditions);
  const feasible = feasibleRows(model, arrays, bounds, targets);
  const counts = allocate(model.rowCount, rowCount, feasible, targets);

  const total = counts.reduce((acc, n) => acc + n, 0);
  const sources = new Int32Array(total);
  let offset = 0;
  feasible.cells.forEach((rows, cell) => {
    const n = counts[cell]!;
    for (let i = 0; i < n; i++) sources[offset++] = rows[random.int(rows.length)]!;
  });
  shuffleInPlace(sources, random);

  const conditioned = new Set(targets.map((t) => t.index));
  for (const [index, b] of bounds) if (b.conditioned) conditioned.add(index);
  const perColumn =
    mode === 'perturbed'
      ? donorSources(model.columns, arrays, feasible.cells, sources, conditioned, random)
      : null;
  const columns = model.columns.map((column, index): GeneratedColumn => {
    const rows = perColumn?.[index] ?? sources;
    if (column.kind === 'categorical') {
      const codes = arrays[index] as Int32Array;
      return {
        name: column.name,
        kind: 'categorical',
        type: column.type,
        levels: column.levels,
        codes: Int32Array.from(rows, (row) => codes[row]!),
      };
    }
    return {
      name: column.name,
      kind: 'numeric',
      type: column.type,
      values: jitteredValues(column, arrays[index] as Float64Array, rows, bounds.get(index)!, random, mode),
    };
  });
  return { columns: { rowCount: total, columns }, rowsGenerated: total, partial: total < rowCount };
}

interface Bounds {
  readonly lo: number;
  readonly hi: number;
  /** True when a condition narrowed the range (rows outside it are infeasible). */
  readonly conditioned: boolean;
}

/**
 * Each bound clamped into the observed range on its own, as the contract says (out-of-range
 * bounds are clamped, not rejected): a range wholly outside collapses onto the nearest edge and
 * yields the few rows at that edge (`partial`), never a refusal.
 */
function clampInto(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

/** Allowed range per numeric column index: observed range, with each condition bound clamped into it. */
function numericBounds(model: TrainedModel, conditions: Conditions | undefined): Map<number, Bounds> {
  const bounds = new Map<number, Bounds>();
  model.columns.forEach((column, index) => {
    if (column.kind !== 'numeric') return;
    const lo = column.min ?? Number.NaN;
    const hi = column.max ?? Number.NaN;
    const range = own(conditions?.numeric, column.name);
    bounds.set(
      index,
      range
        ? { lo: clampInto(range.min, lo, hi), hi: clampInto(range.max, lo, hi), conditioned: true }
        : { lo, hi, conditioned: false },
    );
  });
  return bounds;
}

interface Target {
  readonly index: number;
  /** Target share per level, summing to 1. */
  readonly shares: readonly number[];
}

/**
 * Target shares per conditioned categorical column. Unlisted levels share what the listed ones
 * leave (1 − sum) in proportion to their training frequency; when nothing is left over (or no
 * unlisted level occurs) the listed shares are normalised to sum to 1.
 */
function categoricalTargets(
  model: TrainedModel,
  arrays: ReadonlyArray<Float64Array | Int32Array>,
  conditions: Conditions | undefined,
): Target[] {
  const targets: Target[] = [];
  model.columns.forEach((column, index) => {
    const given = own(conditions?.categorical, column.name);
    if (column.kind !== 'categorical' || !given) return;
    const frequency = levelFrequency(column, arrays[index] as Int32Array);
    const listed = column.levels.map((level) => Object.hasOwn(given, level));
    const listedSum = column.levels.reduce((acc, level) => acc + (own(given, level) ?? 0), 0);
    const unlistedFrequency = frequency.reduce((acc, f, i) => acc + (listed[i] ? 0 : f), 0);
    const rest = Math.max(0, 1 - listedSum);
    let shares = column.levels.map((level, i) =>
      listed[i]
        ? (own(given, level) ?? 0)
        : unlistedFrequency > 0
          ? (rest * frequency[i]!) / unlistedFrequency
          : 0,
    );
    const sum = shares.reduce((acc, s) => acc + s, 0);
    shares = shares.map((s) => (sum > 0 ? s / sum : 0));
    targets.push({ index, shares });
  });
  return targets;
}

function levelFrequency(column: CategoricalModelColumn, codes: Int32Array): number[] {
  const counts = column.levels.map(() => 0);
  for (const code of codes) if (code >= 0) counts[code]! += 1;
  return counts;
}

interface Feasible {
  /** Training rows per cell. */
  readonly cells: Int32Array[];
  /** Level of each conditioned column per cell (same order as the targets). */
  readonly cellLevels: number[][];
}

function feasibleRows(
  model: TrainedModel,
  arrays: ReadonlyArray<Float64Array | Int32Array>,
  bounds: ReadonlyMap<number, Bounds>,
  targets: readonly Target[],
): Feasible {
  const conditionedRanges = [...bounds].filter(([, b]) => b.conditioned);
  const cellIndex = new Map<string, number>();
  const cellRows: number[][] = [];
  const cellLevels: number[][] = [];
  rows: for (let row = 0; row < model.rowCount; row++) {
    for (const [index, { lo, hi }] of conditionedRanges) {
      const v = (arrays[index] as Float64Array)[row]!;
      if (!(v >= lo && v <= hi)) continue rows;
    }
    const levels: number[] = [];
    for (const { index, shares } of targets) {
      const code = (arrays[index] as Int32Array)[row]!;
      if (code < 0 || shares[code]! <= 0) continue rows;
      levels.push(code);
    }
    const key = levels.join(',');
    let cell = cellIndex.get(key);
    if (cell === undefined) {
      cell = cellRows.length;
      cellIndex.set(key, cell);
      cellRows.push([]);
      cellLevels.push(levels);
    }
    cellRows[cell]!.push(row);
  }
  return { cells: cellRows.map((rows) => Int32Array.from(rows)), cellLevels };
}

/** Row count per cell: IPF weights -> largest remainder, capped by {@link MAX_TILT}. */
function allocate(
  trainingRows: number,
  rowCount: number,
  feasible: Feasible,
  targets: readonly Target[],
): number[] {
  const { cells, cellLevels } = feasible;
  if (cells.length === 0) return [];
  const weights = cells.map((rows) => rows.length);
  let reachable = 1;
  for (let t = 0; t < targets.length; t++) {
    const shares = targets[t]!.shares;
    const present = new Set(cellLevels.map((levels) => levels[t]!));
    reachable *= shares.reduce((acc, s, level) => acc + (present.has(level) ? s : 0), 0);
  }
  fitProportions(weights, cellLevels, targets);
  const wanted = Math.min(rowCount, Math.round(rowCount * reachable));
  return largestRemainder(wanted, weights).map((n, cell) =>
    Math.min(n, Math.floor(((rowCount * cells[cell]!.length) / trainingRows) * MAX_TILT)),
  );
}

/** Iterative proportional fitting of cell weights to the target shares (reachable levels renormalised). */
function fitProportions(
  weights: number[],
  cellLevels: readonly number[][],
  targets: readonly Target[],
): void {
  if (targets.length === 0) return;
  for (let iteration = 0; iteration < IPF_ITERATIONS; iteration++) {
    let change = 0;
    targets.forEach(({ shares }, t) => {
      const margin = shares.map(() => 0);
      let total = 0;
      weights.forEach((w, cell) => {
        margin[cellLevels[cell]![t]!]! += w;
        total += w;
      });
      const reachableShare = shares.reduce((acc, s, level) => acc + (margin[level]! > 0 ? s : 0), 0);
      weights.forEach((w, cell) => {
        const level = cellLevels[cell]![t]!;
        const goal = (shares[level]! / reachableShare) * total;
        const next = (w * goal) / margin[level]!;
        change = Math.max(change, Math.abs(next - w) / total);
        weights[cell] = next;
      });
    });
    if (change < IPF_TOLERANCE) return;
  }
}

function jitteredValues(
  column: NumericModelColumn,
  values: Float64Array,
  sources: Int32Array,
  { lo, hi }: Bounds,
  random: Random,
  mode: GenerationMode,
): Float64Array {
  const out = new Float64Array(sources.length);
  const h = column.bandwidth;
  const scale = 10 ** column.decimals;
  for (let i = 0; i < sources.length; i++) {
    const v = values[sources[i]!]!;
    if (mode !== 'bootstrap') {
      out[i] = mode === 'copy' ? v : perturbValue(v, h, scale, lo, hi, random);
      continue;
    }
    let value = v;
    if (h > 0 && !Number.isNaN(v)) {
      for (let attempt = 0; attempt < JITTER_ATTEMPTS; attempt++) {
        const candidate = Math.round((v + h * random.normal()) * scale) / scale;
        if (candidate >= lo && candidate <= hi) {
          value = candidate;
          break;
        }
      }
    }
    out[i] = value;
  }
  return out;
}

/** `record[key]` for own properties only, so level or column names like `constructor` are safe. */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record && Object.hasOwn(record, key) ? record[key] : undefined;
}
