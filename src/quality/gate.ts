/**
 * The publish gate: each threshold of the scenario's (or the construct's default) gate against
 * the report. A generation passes when every enabled check passes; a failed one is quarantined.
 */
import type { QualityGateThresholds } from './config.ts';
import { DCR_MAX_P5_TO_MEDIAN, DCR_MIN_REFERENCE_ROWS } from './gate-settings.ts';
import type { QualityReport } from './report.ts';

export interface GateCheck {
  /** Metric name as in the metrics table, e.g. `exact_match_excess`. */
  readonly metric: string;
  readonly value: number | null;
  readonly threshold: number;
  /** Sampling margin allowed on top of an upper threshold (0 where the figure is not sampled). */
  readonly margin: number;
  readonly comparison: '<=' | '>=';
  readonly passed: boolean;
  /** Why a check was reported but not judged (it then passes). */
  readonly notJudged?: string;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly checks: readonly GateCheck[];
  /** Metrics of the failed checks, in check order. */
  readonly failedMetrics: readonly string[];
}

function check(
  metric: string,
  value: number | null,
  threshold: number | null,
  comparison: '<=' | '>=',
  margin = 0,
): GateCheck | null {
  if (threshold === null) return null;
  // A figure that could not be measured (e.g. an empty sample) does not fail the gate.
  const passed = value === null || (comparison === '<=' ? value <= threshold + margin : value >= threshold);
  return { metric, value, threshold, margin, comparison, passed };
}

/** Why the DCR figures of `report` cannot be judged, or null when they can. */
function dcrNotJudged(report: QualityReport): string | null {
  const { referenceRows, holdoutP5, holdoutMedian } = report.privacy.dcr;
  if (referenceRows < DCR_MIN_REFERENCE_ROWS) {
    return `the seed's reference half has ${referenceRows} rows, fewer than ${DCR_MIN_REFERENCE_ROWS}: too sparse to judge distances`;
  }
  if (holdoutP5 !== null && holdoutMedian !== null && holdoutMedian > 0) {
    const spread = holdoutP5 / holdoutMedian;
    if (spread > DCR_MAX_P5_TO_MEDIAN) {
      return `the holdout's distances are nearly all equal (5th percentile / median = ${Math.round(spread * 1000) / 1000} > ${DCR_MAX_P5_TO_MEDIAN}): closeness does not separate near-copies`;
    }
  }
  return null;
}

/** A DCR check that cannot be judged keeps its figure and passes with the reason. */
function dcrCheck(
  report: QualityReport,
  metric: string,
  value: number | null,
  threshold: number | null,
  comparison: '<=' | '>=',
): GateCheck | null {
  const judged = check(metric, value, threshold, comparison);
  const reason = judged ? dcrNotJudged(report) : null;
  return judged && reason ? { ...judged, passed: true, notJudged: reason } : judged;
}

export function evaluateGate(report: QualityReport, gate: QualityGateThresholds): GateVerdict {
  const { privacy, fidelity } = report;
  const checks = [
    check(
      'exact_match_excess',
      privacy.exactMatch.excess,
      gate.maxExactMatchExcess,
      '<=',
      privacy.exactMatch.margin,
    ),
    privacy.quasiIdentifierMatch
      ? check(
          'qi_match_excess',
          privacy.quasiIdentifierMatch.excess,
          gate.maxQuasiIdentifierMatchExcess,
          '<=',
          privacy.quasiIdentifierMatch.margin,
        )
      : null,
    dcrCheck(report, 'dcr_close_share', privacy.dcr.closeShare, gate.maxDcrCloseShare, '<='),
    dcrCheck(report, 'dcr_median_ratio', privacy.dcr.medianRatio, gate.minDcrMedianRatio, '>='),
    check('fidelity_score', fidelity.score, gate.minFidelityScore, '>='),
    check('rare_category_excess', privacy.rareCategories.excess, gate.maxRareCategoryExcess, '<='),
    gate.blockPassThrough ? check('pass_through_columns', privacy.passThrough.length, 0, '<=') : null,
  ].filter((c): c is GateCheck => c !== null);
  const failedMetrics = checks.filter((c) => !c.passed).map((c) => c.metric);
  return { passed: failedMetrics.length === 0, checks, failedMetrics };
}

/** One line naming each failed metric with its value and threshold. */
export function describeFailures(verdict: GateVerdict): string {
  return verdict.checks
    .filter((c) => !c.passed)
    .map((c) => {
      const margin = c.margin > 0 ? ` + ${c.margin} sampling margin` : '';
      return `${c.metric} = ${String(c.value)} (must be ${c.comparison} ${c.threshold}${margin})`;
    })
    .join('; ');
}
