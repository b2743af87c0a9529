import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE } from '../../../src/quality/config.ts';
import { describeFailures, evaluateGate } from '../../../src/quality/gate.ts';
import type { QualityReport } from '../../../src/quality/report.ts';

/** A report whose only gated figure is the exact-match excess, with the given sampling margin. */
function reportWith(excess: number, margin: number): QualityReport {
  return {
    fidelity: { score: 0.9 },
    privacy: {
      exactMatch: { excess, margin },
      quasiIdentifierMatch: null,
      dcr: { closeShare: null, medianRatio: null },
      rareCategories: { excess: 0 },
      passThrough: [],
    },
  } as unknown as QualityReport;
}

describe('publish gate', () => {
  it('lets an excess within the sampling margin through: a small seed is noisy', () => {
    const verdict = evaluateGate(reportWith(0.04, 0.05), DEFAULT_GATE);
    expect(verdict.passed).toBe(true);
    expect(verdict.checks[0]).toMatchObject({ metric: 'exact_match_excess', threshold: 0.01, margin: 0.05 });
  });

  it('quarantines the same excess when the samples are large enough to tell', () => {
    const verdict = evaluateGate(reportWith(0.04, 0.004), DEFAULT_GATE);
    expect(verdict.passed).toBe(false);
    expect(describeFailures(verdict)).toBe(
      'exact_match_excess = 0.04 (must be <= 0.01 + 0.004 sampling margin)',
    );
  });
});
