/**
 * The publish gate's thresholds, their defaults, and their construct-prop form. No zod and no
 * SDK: the CDK construct imports this at synth.
 */

export interface QualityGateThresholds {
  /**
   * Largest allowed excess of the synthetic rows' exact-match share over the holdout's (both
   * against the same reference half of the seed). Default 0.01 (one percentage point).
   */
  readonly maxExactMatchExcess: number | null;
  /** The same on the quasi-identifier columns, when the scenario names them. Default 0.05. */
  readonly maxQuasiIdentifierMatchExcess: number | null;
  /**
   * Largest allowed share of sampled synthetic rows closer to the reference half than the
   * holdout's 5th-percentile distance (≈ 0.05 for data as far away as fresh rows). Default 0.2:
   * governed by default, near-copies are quarantined like verbatim ones. Judged only when the
   * seed's reference half has at least {@link DCR_MIN_REFERENCE_ROWS} rows: below that the
   * holdout's neighbours are too sparse and every smooth generator lands "close" (reported, not
   * judged). `null` turns it off.
   */
  readonly maxDcrCloseShare: number | null;
  /** Smallest allowed ratio of median distances (synthetic / holdout). Default null (off). */
  readonly minDcrMedianRatio: number | null;
  /** Smallest allowed fidelity score (0..1). Default null (off). */
  readonly minFidelityScore: number | null;
  /**
   * Largest allowed excess of the share of rare seed categories reproduced over the holdout's.
   * Default null (reported, not gated).
   */
  readonly maxRareCategoryExcess: number | null;
  /** Fail when an identifier-like or free-text column passes through. Default false (flagged). */
  readonly blockPassThrough: boolean;
}

/**
 * Reference rows (the seed's reference half, sampled) below which the DCR checks are reported but
 * not judged: with fewer, the holdout's 5th-percentile distance is set by a handful of sparse
 * neighbours (a 120-row seed: honest data 0.55 "close", copies 0.48).
 */
export const DCR_MIN_REFERENCE_ROWS = 150;

/**
 * Holdout 5th-percentile / median distance above which the DCR checks are reported but not
 * judged: the holdout's distances are then nearly all equal (e.g. a unique id column that differs
 * in every pair sets them all), so "closer than the 5th percentile" no longer separates near-copies
 * from fresh rows. Registry seeds measured 0.18–0.82; a lattice-like generated seed 0.99.
 */
export const DCR_MAX_P5_TO_MEDIAN = 0.9;

export const DEFAULT_GATE: QualityGateThresholds = {
  maxExactMatchExcess: 0.01,
  maxQuasiIdentifierMatchExcess: 0.05,
  maxDcrCloseShare: 0.2,
  minDcrMedianRatio: null,
  minFidelityScore: null,
  maxRareCategoryExcess: null,
  blockPassThrough: false,
};

const SHARES: ReadonlyArray<keyof QualityGateThresholds> = [
  'maxExactMatchExcess',
  'maxQuasiIdentifierMatchExcess',
  'maxDcrCloseShare',
  'minFidelityScore',
  'maxRareCategoryExcess',
];

/** The camel-case gate (construct props) as the JSON the landing function reads. */
export function gateToJson(gate: Partial<QualityGateThresholds>): string {
  const g = { ...DEFAULT_GATE, ...gate };
  return JSON.stringify({
    max_exact_match_excess: g.maxExactMatchExcess,
    max_quasi_identifier_match_excess: g.maxQuasiIdentifierMatchExcess,
    max_dcr_close_share: g.maxDcrCloseShare,
    min_dcr_median_ratio: g.minDcrMedianRatio,
    min_fidelity_score: g.minFidelityScore,
    max_rare_category_excess: g.maxRareCategoryExcess,
    block_pass_through: g.blockPassThrough,
  });
}

/** Problems with construct-prop gate values (shares outside 0..1, negative ratios). */
export function gateProblems(gate: Partial<QualityGateThresholds> | undefined): string[] {
  if (!gate) return [];
  const problems: string[] = [];
  for (const name of SHARES) {
    const value = gate[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      problems.push(
        `quality.gate.${name} is ${String(value)}; use a share between 0 and 1, or null to turn the check off.`,
      );
    }
  }
  const ratio = gate.minDcrMedianRatio;
  if (ratio !== undefined && ratio !== null && !(ratio >= 0)) {
    problems.push(`quality.gate.minDcrMedianRatio is ${String(ratio)}; use a non-negative ratio, or null.`);
  }
  return problems;
}
