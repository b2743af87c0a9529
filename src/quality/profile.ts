/**
 * One streaming pass over a table (the seed, or a landed artifact) that keeps only what the
 * report needs, in memory bounded by the settings, not by the file:
 *
 * - per column: missing and numeric counts, min/max, text length and word counts, and exact
 *   category counts up to {@link MAX_TRACKED_LEVELS} distinct values (beyond that the column is
 *   high-cardinality and its distribution is compared on the row sample instead);
 * - a uniform reservoir sample of whole rows;
 * - 52-bit hashes of every row (all columns, and the quasi-identifier columns) for exact matches.
 *
 * The seed is split into a reference half and a holdout half (by a seeded coin per row), each with
 * its own counts, hashes and sample, so every privacy figure has a seed-versus-seed baseline.
 */
import { HashSet, Reservoir, RowHasher, seededRandom, toCell, type Cell } from './cells.ts';

/** Distinct values counted exactly per column; more makes the column high-cardinality. */
export const MAX_TRACKED_LEVELS = 2000;
/** Text cells per column whose words are counted (free-text detection needs no more). */
const WORD_COUNT_CELLS = 10_000;

export function cellKey(cell: Cell): string {
  return typeof cell === 'number' ? `n${cell}` : `s${String(cell)}`;
}

export class ColumnStats {
  missing = 0;
  numeric = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  textCells = 0;
  /** Text cells whose characters and words were counted (the first {@link WORD_COUNT_CELLS}). */
  wordCells = 0;
  textChars = 0;
  textWords = 0;
  overflow = false;
  // Numbers and text counted apart, so a numeric cell costs no string key per row.
  private readonly numberCounts = new Map<number, number>();
  private readonly textCounts = new Map<string, number>();
  private keyed: Map<string, number> | null = null;

  /** Exact counts per distinct value, keyed by {@link cellKey}. */
  get counts(): Map<string, number> {
    if (!this.keyed) {
      this.keyed = new Map<string, number>();
      for (const [value, n] of this.numberCounts) this.keyed.set(cellKey(value), n);
      for (const [value, n] of this.textCounts) this.keyed.set(cellKey(value), n);
    }
    return this.keyed;
  }

  add(cell: Cell): void {
    if (cell === null) {
      this.missing += 1;
      return;
    }
    if (typeof cell === 'number') {
      this.numeric += 1;
      if (cell < this.min) this.min = cell;
      if (cell > this.max) this.max = cell;
      if (!this.overflow) this.count(this.numberCounts, cell);
      return;
    }
    this.textCells += 1;
    if (this.textCells <= WORD_COUNT_CELLS) {
      this.wordCells += 1;
      this.textChars += cell.length;
      this.textWords += cell.split(/\s+/).length;
    }
    if (!this.overflow) this.count(this.textCounts, cell);
  }

  // A high-cardinality column is compared on the row samples: stop counting its values.
  private count<K>(counts: Map<K, number>, key: K): void {
    this.keyed = null;
    const count = counts.get(key);
    if (count !== undefined) counts.set(key, count + 1);
    else if (this.numberCounts.size + this.textCounts.size < MAX_TRACKED_LEVELS) counts.set(key, 1);
    else this.overflow = true;
  }

  get present(): number {
    return this.numeric + this.textCells;
  }
}

export interface ProfileOptions {
  /** Indexes (into the profiled columns) of the quasi-identifier set; empty: none. */
  readonly quasiIdentifiers: readonly number[];
  /** Rows kept in the row sample. */
  readonly sampleRows: number;
  /** Seed of the sampling (and, for the seed, of the holdout split). */
  readonly randomSeed: number;
}

/** What one pass over one table (or one half of the seed) keeps. */
export class TableProfile {
  rows = 0;
  readonly stats: ColumnStats[];
  readonly hashes = new HashSet();
  readonly qiHashes = new HashSet();
  readonly sample: Reservoir<Cell[]>;
  /** Row hashes of the last batch ({@link addBatch}). */
  private rowHashes = new Float64Array(0);

  constructor(
    readonly width: number,
    readonly options: ProfileOptions,
    random: () => number,
    /** Keep every row's hash (the seed's halves); the artifact's are only looked up. */
    private readonly keepHashes = true,
  ) {
    this.stats = Array.from({ length: width }, () => new ColumnStats());
    this.sample = new Reservoir(options.sampleRows, random);
  }

  /**
   * Profiles `rowCount` rows given column by column (`columns[c][r]`), a column at a time so each
   * loop sees one kind of cell; returns the rows' hashes over all columns (valid until the next
   * call). A row is only built as an array when the sample keeps it.
   */
  addBatch(columns: readonly Cell[][], rowCount: number, hasher: RowHasher): Float64Array {
    this.rows += rowCount;
    for (let c = 0; c < this.width; c++) {
      const stats = this.stats[c]!;
      const cells = columns[c]!;
      for (let r = 0; r < rowCount; r++) stats.add(cells[r]!);
    }
    if (this.rowHashes.length < rowCount) this.rowHashes = new Float64Array(rowCount);
    const hashes = this.rowHashes;
    const qi = this.options.quasiIdentifiers;
    for (let r = 0; r < rowCount; r++) {
      hasher.reset();
      for (let c = 0; c < this.width; c++) hasher.add(columns[c]![r]!);
      const hash = hasher.value();
      hashes[r] = hash;
      if (this.keepHashes) {
        this.hashes.add(hash);
        if (qi.length > 0) this.qiHashes.add(hashCellsAt(hasher, columns, qi, r));
      }
      const slot = this.sample.nextSlot();
      if (slot >= 0) this.sample.items[slot] = rowAt(columns, this.width, r);
    }
    return hashes;
  }
}

/** Row `r` of columns given column by column, as an array. */
function rowAt(columns: readonly Cell[][], width: number, r: number): Cell[] {
  const row = new Array<Cell>(width);
  for (let c = 0; c < width; c++) row[c] = columns[c]![r]!;
  return row;
}

/** Hash of row `r`'s cells at `indexes`. */
function hashCellsAt(hasher: RowHasher, columns: readonly Cell[][], indexes: readonly number[], r: number) {
  hasher.reset();
  for (const i of indexes) hasher.add(columns[i]?.[r] ?? null);
  return hasher.value();
}

/** Distinct text values per column and batch whose cell form is remembered. */
const MEMO_TEXT_CELLS = 1024;

/** Batch values of a column: array, typed array or Arrow vector. */
export type BatchValues = ArrayLike<unknown> | Iterable<unknown>;

function cellsOf(values: BatchValues | undefined, rowCount: number): Cell[] {
  if (values === undefined) return new Array<Cell>(rowCount).fill(null);
  const out = new Array<Cell>(rowCount);
  if (typeof (values as ArrayLike<unknown>).length === 'number' && !(Symbol.iterator in Object(values))) {
    const list = values as ArrayLike<unknown>;
    // Repeated text (categorical levels, the CSV reader's cached strings) is converted once.
    const memo = new Map<string, Cell>();
    for (let i = 0; i < rowCount; i++) {
      const value = list[i];
      if (typeof value !== 'string') {
        out[i] = toCell(value);
        continue;
      }
      let cell = memo.get(value);
      if (cell === undefined) {
        cell = toCell(value);
        if (memo.size < MEMO_TEXT_CELLS) memo.set(value, cell);
      }
      out[i] = cell;
    }
    return out;
  }
  let i = 0;
  for (const value of values as Iterable<unknown>) {
    if (i >= rowCount) break;
    out[i++] = toCell(value);
  }
  for (; i < rowCount; i++) out[i] = null;
  return out;
}

/** The cells of a batch of named columns, column by column in `names` order (absent: missing). */
export function batchCells(
  names: readonly string[],
  columns: Readonly<Record<string, BatchValues>>,
  rowCount: number,
): Cell[][] {
  return names.map((name) => cellsOf(columns[name], rowCount));
}

/** The seed, split into a reference half and a holdout half. */
export class SeedProfiler {
  readonly reference: TableProfile;
  readonly holdout: TableProfile;
  private readonly coin: () => number;
  private readonly hasher = new RowHasher();

  constructor(
    readonly names: readonly string[],
    options: ProfileOptions,
  ) {
    this.coin = seededRandom(options.randomSeed);
    this.reference = new TableProfile(names.length, options, seededRandom(options.randomSeed + 1));
    this.holdout = new TableProfile(names.length, options, seededRandom(options.randomSeed + 2));
  }

  visitBatch(columns: Readonly<Record<string, BatchValues>>, rowCount: number): void {
    const cells = batchCells(this.names, columns, rowCount);
    // One coin per row, in row order, picks its half; each half is profiled as its own batch.
    const halves: [number[], number[]] = [[], []];
    for (let r = 0; r < rowCount; r++) halves[this.coin() < 0.5 ? 0 : 1].push(r);
    const pick = (rows: number[]) => cells.map((column) => rows.map((r) => column[r]!));
    this.reference.addBatch(pick(halves[0]), halves[0].length, this.hasher);
    this.holdout.addBatch(pick(halves[1]), halves[1].length, this.hasher);
  }
}

/** The landed artifact, on the seed's columns (by the artifact's names for them). */
export class SyntheticProfiler {
  readonly profile: TableProfile;
  /** Rows identical to a seed row on all columns: against the whole seed, and the reference half. */
  matchesSeed = 0;
  matchesReference = 0;
  qiMatchesSeed = 0;
  qiMatchesReference = 0;
  private readonly hasher = new RowHasher();

  constructor(
    readonly artifactNames: readonly string[],
    private readonly seed: SeedProfiler,
    options: ProfileOptions,
  ) {
    this.profile = new TableProfile(
      artifactNames.length,
      options,
      seededRandom(options.randomSeed + 3),
      false,
    );
  }

  visitBatch(columns: Readonly<Record<string, BatchValues>>, rowCount: number): void {
    const { reference, holdout } = this.seed;
    const qi = this.profile.options.quasiIdentifiers;
    const cells = batchCells(this.artifactNames, columns, rowCount);
    const hashes = this.profile.addBatch(cells, rowCount, this.hasher);
    for (let r = 0; r < rowCount; r++) {
      const hash = hashes[r]!;
      if (reference.hashes.has(hash)) {
        this.matchesReference += 1;
        this.matchesSeed += 1;
      } else if (holdout.hashes.has(hash)) this.matchesSeed += 1;
      if (qi.length > 0) {
        const qiHash = hashCellsAt(this.hasher, cells, qi, r);
        if (reference.qiHashes.has(qiHash)) {
          this.qiMatchesReference += 1;
          this.qiMatchesSeed += 1;
        } else if (holdout.qiHashes.has(qiHash)) this.qiMatchesSeed += 1;
      }
    }
  }
}
