/**
 * The publish gate: each threshold of the scenario's (or the construct's default) gate against
 * the report. A generation passes when every enabled check passes; a failed one is quarantined.
 */
import type { QualityGateThresholds } from './config.ts';
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
    check('dcr_close_share', privacy.dcr.closeShare, gate.maxDcrCloseShare, '<='),
    check('dcr_median_ratio', privacy.dcr.medianRatio, gate.minDcrMedianRatio, '>='),
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
