/**
 * Assembles the fidelity and privacy report of one generation from the seed's and the artifact's
 * profiles (see `profile.ts`), and judges it with the publish gate (`gate.ts`).
 */
import type { Cell, HashSet } from './cells.ts';
import type { QualitySettings } from './config.ts';
import {
  binnerFor,
  countsOf,
  cramersV,
  ksErrorBound95,
  ksStatistic,
  mean,
  mergeCounts,
  missingShare,
  pearson,
  tvdOfCounts,
} from './fidelity.ts';
import { closestDistances, summariseDcr, type DcrColumn, type DcrSummary } from './privacy.ts';
import type { SeedProfiler, SyntheticProfiler } from './profile.ts';
import {
  passThroughColumns,
  rareCategories,
  type PassThrough,
  type RareCategories,
  type ReportColumn,
} from './disclosure.ts';

export type { ReportColumn };

export const REPORT_VERSION = 1;
/** Columns whose pairs are compared (the first ones of the seed beyond this are left out). */
export const MAX_PAIR_COLUMNS = 40;
/** Pairs listed in the report (the largest association changes); all count in the score. */
export const LISTED_PAIRS = 20;

export interface ColumnFidelity {
  readonly column: string;
  readonly kind: 'numeric' | 'categorical';
  readonly metric: 'ks' | 'tvd';
  readonly distance: number;
  /** The same distance between the seed's two halves: the noise floor at this seed size. */
  readonly holdoutDistance: number;
  readonly missingShareSeed: number;
  readonly missingShareSynthetic: number;
  /** True when computed on the row samples rather than exact counts. */
  readonly sampled: boolean;
}

export interface PairFidelity {
  readonly columns: readonly [string, string];
  readonly metric: 'correlation' | 'cramers_v';
  readonly seed: number | null;
  readonly synthetic: number | null;
  readonly change: number;
}

export interface MatchShares {
  readonly syntheticRows: number;
  /** Synthetic rows identical to some seed row. */
  readonly matches: number;
  readonly share: number;
  /** Share identical to a row of the reference half, and the holdout half's share against it. */
  readonly referenceShare: number;
  readonly holdoutShare: number;
  /** referenceShare − holdoutShare: what the generator adds over chance collisions. */
  readonly excess: number;
  /**
   * How far `excess` can stray by sampling chance alone (one-sided, z = 3.09, p ≈ 0.001, from
   * the two shares and their row counts). The gate allows its threshold plus this margin, so a
   * small seed's noisy holdout does not quarantine honest data.
   */
  readonly margin: number;
}

/** One-sided z for p ≈ 0.001: an honest generation fails the gate by chance once in a thousand. */
const MARGIN_Z = 3.09;

function samplingMargin(a: number, na: number, b: number, nb: number): number {
  if (na === 0 || nb === 0) return 0;
  return MARGIN_Z * Math.sqrt((a * (1 - a)) / na + (b * (1 - b)) / nb);
}

export interface QualityReport {
  readonly reportVersion: typeof REPORT_VERSION;
  readonly seed: { readonly rows: number; readonly referenceRows: number; readonly holdoutRows: number };
  readonly syntheticRows: number;
  readonly columns: readonly ReportColumn[];
  /** Seed columns the artifact does not carry (dropped by the vendor's cleaning). */
  readonly notGenerated: readonly string[];
  readonly fidelity: {
    readonly score: number | null;
    readonly columnScore: number | null;
    readonly pairScore: number | null;
    /** The score of the seed's holdout half against its reference half. */
    readonly holdoutScore: number | null;
    readonly definition: string;
    readonly columns: readonly ColumnFidelity[];
    readonly constrainedColumns: readonly ColumnFidelity[];
    readonly pairsCompared: number;
    readonly worstPairs: readonly PairFidelity[];
  };
  readonly privacy: {
    readonly exactMatch: MatchShares;
    readonly quasiIdentifierMatch: (MatchShares & { readonly columns: readonly string[] }) | null;
    readonly dcr: DcrSummary;
    readonly rareCategories: RareCategories;
    readonly passThrough: readonly PassThrough[];
  };
  readonly sampling: {
    readonly seedSampleRows: number;
    readonly syntheticSampleRows: number;
    readonly ksErrorBound95: number | null;
    readonly exact: string;
  };
}

export const SCORE_DEFINITION =
  'mean of column score (mean of 1 - TVD or KS statistic over unconstrained columns) and pair score ' +
  '(mean over pairs of unconstrained columns of 1 - |change of Pearson r| / 2 for numeric pairs, ' +
  "1 - |change of Cramér's V| otherwise)";

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function columnFidelity(
  column: ReportColumn,
  index: number,
  seed: SeedProfiler,
  synthetic: SyntheticProfiler,
  seedSample: Cell[][],
): ColumnFidelity {
  const ref = seed.reference.stats[index]!;
  const hold = seed.holdout.stats[index]!;
  const syn = synthetic.profile.stats[index]!;
  const synSample = synthetic.profile.sample.items;
  const seedRows = seed.reference.rows + seed.holdout.rows;
  const common = {
    column: column.name,
    kind: column.kind,
    missingShareSeed: round(seedRows === 0 ? 0 : (ref.missing + hold.missing) / seedRows),
    missingShareSynthetic: round(missingShare(syn, synthetic.profile.rows)),
  };
  if (column.kind === 'numeric') {
    return {
      ...common,
      metric: 'ks',
      distance: round(ksStatistic(seedSample, synSample, index)),
      holdoutDistance: round(ksStatistic(seed.reference.sample.items, seed.holdout.sample.items, index)),
      sampled: true,
    };
  }
  const sampled = ref.overflow || hold.overflow || syn.overflow;
  return {
    ...common,
    metric: 'tvd',
    distance: round(
      sampled
        ? tvdOfCounts(countsOf(seedSample, index), countsOf(synSample, index))
        : tvdOfCounts(mergeCounts(ref.counts, hold.counts), syn.counts),
    ),
    holdoutDistance: round(
      sampled
        ? tvdOfCounts(
            countsOf(seed.reference.sample.items, index),
            countsOf(seed.holdout.sample.items, index),
          )
        : tvdOfCounts(ref.counts, hold.counts),
    ),
    sampled,
  };
}

function pairValue(
  rows: readonly Cell[][],
  a: number,
  b: number,
  numeric: boolean,
  binners: Map<number, ReturnType<typeof binnerFor>>,
): number | null {
  return numeric ? pearson(rows, a, b) : cramersV(rows, a, b, binners.get(a)!, binners.get(b)!);
}

function pairFidelity(
  columns: readonly ReportColumn[],
  seedSample: Cell[][],
  synSample: Cell[][],
  holdout: { reference: Cell[][]; holdout: Cell[][] },
): { pairs: PairFidelity[]; score: number | null; holdoutScore: number | null } {
  const scored = columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => !column.constrained)
    .slice(0, MAX_PAIR_COLUMNS);
  const binners = new Map(
    scored.map(
      ({ column, index }) => [index, binnerFor(seedSample, index, column.kind === 'numeric')] as const,
    ),
  );
  const pairs: PairFidelity[] = [];
  const similarities: number[] = [];
  const holdoutSimilarities: number[] = [];
  const similarity = (x: number | null, y: number | null, numeric: boolean): number => {
    const change = Math.abs((x ?? 0) - (y ?? 0));
    return numeric ? 1 - change / 2 : 1 - change;
  };
  for (let i = 0; i < scored.length; i++) {
    for (let j = i + 1; j < scored.length; j++) {
      const a = scored[i]!;
      const b = scored[j]!;
      const numeric = a.column.kind === 'numeric' && b.column.kind === 'numeric';
      const seedValue = pairValue(seedSample, a.index, b.index, numeric, binners);
      const synValue = pairValue(synSample, a.index, b.index, numeric, binners);
      similarities.push(similarity(seedValue, synValue, numeric));
      holdoutSimilarities.push(
        similarity(
          pairValue(holdout.reference, a.index, b.index, numeric, binners),
          pairValue(holdout.holdout, a.index, b.index, numeric, binners),
          numeric,
        ),
      );
      pairs.push({
        columns: [a.column.name, b.column.name],
        metric: numeric ? 'correlation' : 'cramers_v',
        seed: seedValue === null ? null : round(seedValue),
        synthetic: synValue === null ? null : round(synValue),
        change: round(Math.abs((seedValue ?? 0) - (synValue ?? 0))),
      });
    }
  }
  pairs.sort((x, y) => y.change - x.change);
  return { pairs, score: mean(similarities), holdoutScore: mean(holdoutSimilarities) };
}

function matchShares(
  syntheticRows: number,
  matches: number,
  matchesReference: number,
  seed: {
    reference: { hashes: HashSet; rows: number };
    holdoutHashes: HashSet;
    holdoutRows: number;
  },
): MatchShares {
  const share = syntheticRows === 0 ? 0 : matches / syntheticRows;
  const referenceShare = syntheticRows === 0 ? 0 : matchesReference / syntheticRows;
  const holdoutShare =
    seed.holdoutRows === 0 ? 0 : seed.reference.hashes.countIn(seed.holdoutHashes) / seed.holdoutRows;
  return {
    syntheticRows,
    matches,
    share: round(share),
    referenceShare: round(referenceShare),
    holdoutShare: round(holdoutShare),
    excess: round(referenceShare - holdoutShare),
    margin: round(samplingMargin(referenceShare, syntheticRows, holdoutShare, seed.holdoutRows)),
  };
}

function mean2(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return (a + b) / 2;
}

export interface BuildReportInput {
  readonly columns: readonly ReportColumn[];
  readonly notGenerated: readonly string[];
  readonly seed: SeedProfiler;
  readonly synthetic: SyntheticProfiler;
  readonly settings: QualitySettings;
  /** Indexes of the quasi-identifier columns (empty: not measured). */
  readonly quasiIdentifiers: readonly number[];
  /** Synthetic rows whose DCR is measured. */
  readonly dcrRows: number;
}

export function buildReport(input: BuildReportInput): QualityReport {
  const { columns, seed, synthetic } = input;
  const seedSample = [...seed.reference.sample.items, ...seed.holdout.sample.items];
  const synSample = synthetic.profile.sample.items;
  const perColumn = columns.map((column, index) =>
    columnFidelity(column, index, seed, synthetic, seedSample),
  );
  const scored = perColumn.filter((_, i) => !columns[i]!.constrained);
  const columnScore = mean(scored.map((c) => 1 - c.distance));
  const holdoutColumnScore = mean(scored.map((c) => 1 - c.holdoutDistance));
  const pairs = pairFidelity(columns, seedSample, synSample, {
    reference: seed.reference.sample.items,
    holdout: seed.holdout.sample.items,
  });

  const dcrColumns: DcrColumn[] = columns.map((column, i) => {
    const a = seed.reference.stats[i]!;
    const b = seed.holdout.stats[i]!;
    const numeric = column.kind === 'numeric';
    const range = numeric ? Math.max(a.max, b.max) - Math.min(a.min, b.min) : 0;
    return { numeric, range: Number.isFinite(range) ? range : 0 };
  });
  const reference = seed.reference.sample.items;
  const dcr = summariseDcr(
    closestDistances(synSample.slice(0, input.dcrRows), reference, dcrColumns),
    closestDistances(seed.holdout.sample.items.slice(0, input.dcrRows), reference, dcrColumns),
    reference.length,
  );

  const seedHalves = (qi: boolean) => ({
    reference: { hashes: qi ? seed.reference.qiHashes : seed.reference.hashes, rows: seed.reference.rows },
    holdoutHashes: qi ? seed.holdout.qiHashes : seed.holdout.hashes,
    holdoutRows: seed.holdout.rows,
  });
  const rows = synthetic.profile.rows;
  const qiNames = input.quasiIdentifiers.map((i) => columns[i]!.name);
  const score = mean2(columnScore, pairs.score);
  return {
    reportVersion: REPORT_VERSION,
    seed: {
      rows: seed.reference.rows + seed.holdout.rows,
      referenceRows: seed.reference.rows,
      holdoutRows: seed.holdout.rows,
    },
    syntheticRows: rows,
    columns,
    notGenerated: input.notGenerated,
    fidelity: {
      score: score === null ? null : round(score),
      columnScore: columnScore === null ? null : round(columnScore),
      pairScore: pairs.score === null ? null : round(pairs.score),
      holdoutScore: (() => {
        const h = mean2(holdoutColumnScore, pairs.holdoutScore);
        return h === null ? null : round(h);
      })(),
      definition: SCORE_DEFINITION,
      columns: scored,
      constrainedColumns: perColumn.filter((_, i) => columns[i]!.constrained),
      pairsCompared: pairs.pairs.length,
      worstPairs: pairs.pairs.slice(0, LISTED_PAIRS),
    },
    privacy: {
      exactMatch: matchShares(rows, synthetic.matchesSeed, synthetic.matchesReference, seedHalves(false)),
      quasiIdentifierMatch:
        qiNames.length === 0
          ? null
          : {
              ...matchShares(rows, synthetic.qiMatchesSeed, synthetic.qiMatchesReference, seedHalves(true)),
              columns: qiNames,
            },
      dcr,
      rareCategories: rareCategories(columns, seed, synthetic, input.settings.rareCategoryK),
      passThrough: passThroughColumns(columns, seed, synthetic),
    },
    sampling: {
      seedSampleRows: seedSample.length,
      syntheticSampleRows: synSample.length,
      ksErrorBound95: (() => {
        const b = ksErrorBound95(seedSample.length, synSample.length);
        return b === null ? null : round(b);
      })(),
      exact:
        'exact over every row: row counts, missing shares, category counts (up to 2000 distinct values), ' +
        'exact-match shares and rare categories; sampled: KS, pair associations, DCR',
    },
  };
}
