/**
 * Disclosure checks on single columns: rare seed categories that reappear in the output, and
 * identifier-like or free-text columns that pass through from the seed. Neither lists values:
 * the report travels to places the seed does not.
 */
import { mergeCounts } from './fidelity.ts';
import type { ColumnStats, SeedProfiler, SyntheticProfiler } from './profile.ts';

export interface ReportColumn {
  /** Seed (customer) column name, and the artifact's name for it. */
  readonly name: string;
  readonly artifactName: string;
  readonly kind: 'numeric' | 'categorical';
  /** Constrained by the scenario's conditions: reported, not scored. */
  readonly constrained: boolean;
}

export interface RareCategories {
  /** A seed category with fewer rows than k is rare. */
  readonly k: number;
  readonly rareLevels: number;
  /** Rare seed levels that appear in the output, and their share of all rare levels. */
  readonly reproduced: number;
  readonly share: number;
  /** Share of the reference half's rare levels that also appear in the holdout half. */
  readonly holdoutShare: number;
  readonly excess: number;
  readonly columns: ReadonlyArray<{
    readonly column: string;
    readonly rareLevels: number;
    readonly reproduced: number;
  }>;
}

export interface PassThrough {
  readonly column: string;
  readonly reason: 'identifier_like' | 'free_text';
  /** Distinct seed values per present seed value (1 = every value unique). */
  readonly seedDistinctRatio: number;
  /** Share of the output's values that are values of this seed column (null: too many to track). */
  readonly syntheticValuesFromSeed: number | null;
}

const IDENTIFIER_NAME = /(^|[^a-z])(id|ids|uuid|guid|key|number|no|nr|num|code|ssn|email|e\.?mail|phone)$/i;
const MIN_ROWS_FOR_RATIO = 20;
const IDENTIFIER_DISTINCT_RATIO = 0.9;
const FREE_TEXT_MIN_WORDS = 3;
const FREE_TEXT_MIN_CHARS = 15;
const FREE_TEXT_MIN_DISTINCT = 5;
const FREE_TEXT_DISTINCT_RATIO = 0.1;

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function rareIn(counts: ReadonlyMap<string, number>, k: number): string[] {
  return [...counts].filter(([, n]) => n < k).map(([key]) => key);
}

export function rareCategories(
  columns: readonly ReportColumn[],
  seed: SeedProfiler,
  synthetic: SyntheticProfiler,
  k: number,
): RareCategories {
  let rareLevels = 0;
  let reproduced = 0;
  let holdoutRare = 0;
  let holdoutSeen = 0;
  const perColumn: Array<{ column: string; rareLevels: number; reproduced: number }> = [];
  columns.forEach((column, i) => {
    const ref = seed.reference.stats[i]!;
    const hold = seed.holdout.stats[i]!;
    const syn = synthetic.profile.stats[i]!;
    if (column.kind !== 'categorical' || ref.overflow || hold.overflow) return;
    const rare = rareIn(mergeCounts(ref.counts, hold.counts), k);
    const seen = rare.filter((key) => syn.counts.has(key)).length;
    const refRare = rareIn(ref.counts, k);
    holdoutRare += refRare.length;
    holdoutSeen += refRare.filter((key) => hold.counts.has(key)).length;
    if (rare.length === 0) return;
    rareLevels += rare.length;
    reproduced += seen;
    perColumn.push({ column: column.name, rareLevels: rare.length, reproduced: seen });
  });
  const share = rareLevels === 0 ? 0 : reproduced / rareLevels;
  const holdoutShare = holdoutRare === 0 ? 0 : holdoutSeen / holdoutRare;
  return {
    k,
    rareLevels,
    reproduced,
    share: round(share),
    holdoutShare: round(holdoutShare),
    excess: round(share - holdoutShare),
    columns: perColumn,
  };
}

function distinctRatio(a: ColumnStats, b: ColumnStats): number {
  const present = a.present + b.present;
  if (present === 0) return 0;
  if (a.overflow || b.overflow) return 1;
  return mergeCounts(a.counts, b.counts).size / present;
}

function reasonFor(
  column: ReportColumn,
  a: ColumnStats,
  b: ColumnStats,
  ratio: number,
): PassThrough['reason'] | null {
  const present = a.present + b.present;
  const textCells = a.textCells + b.textCells;
  const integers =
    column.kind === 'numeric' &&
    [...a.counts.keys(), ...b.counts.keys()].every((key) => Number.isInteger(Number(key.slice(1))));
  if (textCells > 0) {
    const counted = Math.max(1, a.wordCells + b.wordCells);
    const words = (a.textWords + b.textWords) / counted;
    const chars = (a.textChars + b.textChars) / counted;
    const distinct = ratio * present;
    if (
      words >= FREE_TEXT_MIN_WORDS &&
      chars >= FREE_TEXT_MIN_CHARS &&
      distinct >= FREE_TEXT_MIN_DISTINCT &&
      ratio >= FREE_TEXT_DISTINCT_RATIO
    ) {
      return 'free_text';
    }
  }
  if (IDENTIFIER_NAME.test(column.name.trim())) return 'identifier_like';
  if ((textCells > 0 || integers) && present >= MIN_ROWS_FOR_RATIO && ratio >= IDENTIFIER_DISTINCT_RATIO) {
    return 'identifier_like';
  }
  return null;
}

export function passThroughColumns(
  columns: readonly ReportColumn[],
  seed: SeedProfiler,
  synthetic: SyntheticProfiler,
): PassThrough[] {
  const out: PassThrough[] = [];
  columns.forEach((column, i) => {
    const a = seed.reference.stats[i]!;
    const b = seed.holdout.stats[i]!;
    const ratio = distinctRatio(a, b);
    const reason = reasonFor(column, a, b, ratio);
    if (!reason) return;
    const syn = synthetic.profile.stats[i]!;
    let fromSeed: number | null = null;
    if (!a.overflow && !b.overflow && !syn.overflow && syn.present > 0) {
      let n = 0;
      for (const [key, count] of syn.counts) if (a.counts.has(key) || b.counts.has(key)) n += count;
      fromSeed = round(n / syn.present);
    }
    out.push({
      column: column.name,
      reason,
      seedDistinctRatio: round(ratio),
      syntheticValuesFromSeed: fromSeed,
    });
  });
  return out;
}
