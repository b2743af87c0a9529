import { describe, expect, it } from 'vitest';
import { mbPerSecond, median, ratio } from '../../../bench/common.ts';
import {
  expectedPolls,
  expectedPollsWithHistory,
  fixedIntervalPolls,
  oneSampleEstimate,
  gbSeconds,
  runDollars,
  singleScenarioLambdaRequests,
  singleScenarioTransitions,
} from '../../../bench/cost-model.ts';
import { normalizeFaultMatrix } from '../../../bench/fault-matrix.ts';
import { slowestLimit } from '../../../bench/landing.ts';
import { checkTargets, renderBenchmarks, type AllResults } from '../../../bench/report.ts';
import { TRAINING_POLL_POLICY } from '../../../src/pipeline/polling.ts';
import { limits, results } from '../../support/bench-results.ts';

describe('benchmark maths', () => {
  it('computes medians, ratios and rates', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
    expect(ratio(30, 60)).toBe(0.5);
    expect(ratio(1, 3, 3)).toBe(0.333);
    expect(ratio(1, 0)).toBeNull();
    expect(mbPerSecond(250_000_000, 2)).toBe(125);
  });

  it('picks the slowest raw limit on each path (decrypt only for enterprise)', () => {
    expect(slowestLimit(limits, 'managed').name).toBe('upload');
    expect(slowestLimit(limits, 'enterprise').name).toBe('decrypt');
  });

  it('counts polls, transitions, requests and dollars', () => {
    // 15, 30, 60, 120, 120 s: the 5th poll (at 345 s) is the first after 300 s.
    expect(expectedPolls(TRAINING_POLL_POLICY, 300)).toBe(5);
    expect(expectedPolls(TRAINING_POLL_POLICY, 1)).toBe(1);
    expect(fixedIntervalPolls(300, 2)).toBe(150);
    expect(fixedIntervalPolls(0, 2)).toBe(1);
    expect(singleScenarioTransitions(5, 4)).toBe(43);
    expect(singleScenarioLambdaRequests(5, 4)).toBe(17);
    // A feed with history: one poll per job, also when the job runs up to the margin late.
    const warm = oneSampleEstimate(300);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 300)).toBe(1);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 312)).toBe(1);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 330)).toBe(2);
    expect(singleScenarioTransitions(1, 1)).toBe(22);
    expect(
      gbSeconds([
        { ms: 999.2, memoryMb: 1024 },
        { ms: 1000, memoryMb: 512 },
      ]),
    ).toBeCloseTo(1.5, 10);
    const dollars = runDollars({ stateTransitions: 1000, lambdaRequests: 1_000_000, lambdaGbSeconds: 1 });
    expect(dollars.stepFunctions).toBeCloseTo(0.025, 10);
    expect(dollars.lambdaRequests).toBeCloseTo(0.2, 10);
    expect(dollars.lambdaDuration).toBeCloseTo(0.0000133334, 12);
    expect(dollars.total).toBeCloseTo(0.2250133334, 10);
  });
});

describe('fault matrix rows', () => {
  const row = { fault: 'f', outcome: 'landed', dataLanded: 'yes', duplicateVendorWork: 0, secretsFound: 0 };

  it('reads the rows of the document the e2e test writes', () => {
    const doc = { benchmark: 'fault-matrix', generatedAt: '2026-01-01T00:00:00.000Z', rows: [row] };
    expect(normalizeFaultMatrix(doc)).toEqual([row]);
  });

  it('refuses any other shape, naming the field', () => {
    expect(() => normalizeFaultMatrix({ rows: [row] })).toThrow(/benchmark/);
    expect(() =>
      normalizeFaultMatrix({
        benchmark: 'fault-matrix',
        generatedAt: 'x',
        rows: [{ ...row, dataLanded: true }],
      }),
    ).toThrow(/rows\.0\.dataLanded/);
  });
});

describe('BENCHMARKS.md rendering', () => {
  it('marks every target met when the results meet them', () => {
    const checks = checkTargets(results());
    expect(checks.map((c) => c.verdict)).toEqual(Array(11).fill('met'));
    const md = renderBenchmarks(results());
    expect(md).toContain('# Benchmarks');
    expect(md).not.toContain('MISSED');
    expect(md).not.toContain('What limits');
    expect(md).toContain('| POST /v1/datasets:503x3 | SUCCEEDED | yes | 0 | 0 |');
    expect(md).toContain('took 10 min');
    expect(md).toContain('@aws-sdk/client-s3 80');
    expect(md).toContain('The largest contributor of every bundle is `@aws-sdk/client-s3`');
  });

  it('states each missed target and what limits it', () => {
    const missing = { transitions: 35, herd: 98, ratio: 0.2, peak: 300, wasted: 2, scaleSeeds: 200 };
    const md = renderBenchmarks(results(missing));
    const checks = checkTargets(results(missing));
    expect(checks.filter((c) => c.verdict === 'MISSED')).toHaveLength(7);
    expect(md).toMatch(/\*\*Scale: 1000 seeds[^*]*\*\*: Measured at 200 seeds, not 1000\./);
    expect(md).toContain('### What limits the missed targets');
    expect(md).toMatch(/\*\*≤ 30 state transitions[^*]*\*\*: Each poll costs 3 transitions/);
    expect(md).toMatch(/\*\*Wasted polls[^*]*\*\*: With a training and a generation/);
    expect(md).toMatch(/mint lease/);
    expect(md).toContain('**MISSED**');
  });

  it("judges the waiting targets on a feed with history and a new feed's first run, and states the deployment's first", () => {
    const [transitions, wasted] = checkTargets(results()).filter((c) => /transitions|Wasted/.test(c.target));
    expect(transitions).toMatchObject({ verdict: 'met' });
    expect(transitions!.measured).toContain("New feed's first run (deployment prior): 20");
    expect(transitions!.measured).toMatch(
      /Deployment's very first run \(no job recorded anywhere, backoff\): 41 .*, outside the target\./,
    );
    expect(wasted!.measured).toBe(
      "Feed with history: 0 of 2; new feed's first run (deployment prior): 0 of 2; deployment's very first run (backoff): 7 of 9, outside the target",
    );
    const missed = checkTargets(results({ newFeedTransitions: 35, newFeedWasted: 2 }));
    const [t, w] = missed.filter((c) => /transitions|Wasted/.test(c.target));
    expect(t).toMatchObject({ verdict: 'MISSED' });
    expect(t!.limitedBy).toContain("the new feed's first run made 3 + 2 polls");
    expect(t!.limitedBy).not.toContain('the feed with history');
    expect(w).toMatchObject({ verdict: 'MISSED' });
    const md = renderBenchmarks(results());
    expect(md).toContain("this pipeline, a new feed's first run (deployment prior)");
    expect(md).toContain("Naive / pipeline (a new feed's first run)");
  });

  it('says what was not measured instead of failing', () => {
    const empty: AllResults = {
      landing: null,
      cost: null,
      economy: null,
      scale: null,
      coldStart: null,
      faultMatrix: { rows: [], generatedAt: null, note: 'test/e2e/fault-matrix.test.ts did not exist' },
    };
    expect(checkTargets(empty).every((c) => c.verdict === 'not measured')).toBe(true);
    const md = renderBenchmarks(empty);
    expect(md).toContain('Not measured in this run.');
    expect(md).toContain('No fault-matrix results exist yet.');
    expect(md).toContain('did not exist');
    expect(renderBenchmarks({ ...empty, failures: ['scale'] })).toContain(
      'failed to run in the last full run',
    );
  });

  it('escapes pipes in table cells', () => {
    const r = results();
    const md = renderBenchmarks({
      ...r,
      faultMatrix: { rows: [{ ...r.faultMatrix.rows[0]!, fault: 'a|b' }], generatedAt: null },
    });
    expect(md).toContain('a\\|b');
  });
});
