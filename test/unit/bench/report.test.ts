import { describe, expect, it } from 'vitest';
import type { BenchResult, MachineInfo } from '../../../bench/common.ts';
import { mbPerSecond, median, ratio } from '../../../bench/common.ts';
import type { BundleFigures, ColdStartData } from '../../../bench/cold-start.ts';
import {
  PRICES,
  expectedPolls,
  expectedPollsWithHistory,
  fixedIntervalPolls,
  oneSampleEstimate,
  gbSeconds,
  runDollars,
  singleScenarioLambdaRequests,
  singleScenarioTransitions,
} from '../../../bench/cost-model.ts';
import type { CostData, PolicyCost } from '../../../bench/cost.ts';
import { normalizeFaultMatrix } from '../../../bench/fault-matrix.ts';
import { slowestLimit, type LandingData, type RawLimit } from '../../../bench/landing.ts';
import { checkTargets, renderBenchmarks, type AllResults } from '../../../bench/report.ts';
import type { ScaleData } from '../../../bench/scale.ts';
import type { EconomyData } from '../../../bench/vendor-economy.ts';
import { TRAINING_POLL_POLICY } from '../../../src/pipeline/polling.ts';

const machine: MachineInfo = {
  node: 'v24.0.0',
  cpu: 'Test CPU',
  cpus: 2,
  memoryGiB: 8,
  platform: 'linux-x64',
};
const envelope = <T>(benchmark: string, data: T): BenchResult<T> => ({
  benchmark,
  generatedAt: '2026-01-02T03:04:05.000Z',
  machine,
  wallSeconds: 1,
  data,
});

const limits: RawLimit[] = [
  { name: 'download', what: 'http', mbPerSecond: 200, bytes: 1 },
  { name: 'upload', what: 's3', mbPerSecond: 100, bytes: 1 },
  { name: 'decrypt', what: 'gcm', mbPerSecond: 50, bytes: 1 },
];

function landing(ratioOfSlowest: number, peak: number): LandingData {
  return {
    format: 'csv',
    rawLimits: limits,
    inspectMbPerSecond: 100,
    cases: (['managed', 'enterprise'] as const).flatMap((mode) =>
      ['100 MB', '1 GB'].map((sizeLabel) => ({
        mode,
        sizeLabel,
        bytes: 1,
        rows: 10,
        seconds: 1,
        mbPerSecond: 40,
        slowestLimit: mode === 'managed' ? ('upload' as const) : ('decrypt' as const),
        ratioOfSlowestLimit: ratioOfSlowest,
        peakRssMiB: peak,
        baselineRssMiB: 120,
      })),
    ),
    targets: { peakRssMiBAt1GB: 256, minRatioOfSlowestLimit: 0.8 },
  };
}

function policy(name: PolicyCost['policy'], transitions: number, total: number): PolicyCost {
  return {
    policy: name,
    measured: {
      stateTransitions: transitions,
      trainingPolls: 3,
      generationPolls: 2,
      lambdaRequests: 12,
      lambdaGbSeconds: 0.5,
      byFunction: {},
      dollars: { stepFunctions: total, lambdaRequests: 0, lambdaDuration: 0, total },
      realSeconds: 1,
    },
    analytic: { trainingPolls: 3, generationPolls: 2, stateTransitions: transitions, lambdaRequests: 12 },
  };
}

function results(
  overrides: {
    transitions?: number;
    newFeedTransitions?: number;
    newFeedWasted?: number;
    herd?: number;
    ratio?: number;
    peak?: number;
    wasted?: number;
    scaleSeeds?: number;
  } = {},
): AllResults {
  const cost: CostData = {
    trainingSeconds: 300,
    generationSeconds: 120,
    scale: 20,
    method: 'scaled clock',
    policies: [
      policy('pipeline-cold', 41, 0.001),
      policy('pipeline', overrides.transitions ?? 20, 0.0005),
      policy('pipeline-new-feed', overrides.newFeedTransitions ?? 20, 0.0005),
      policy('naive', 644, 0.016),
    ],
    naiveOverPipeline: { stateTransitions: 32.2, dollars: 16 },
    naiveOverNewFeed: { stateTransitions: 32.2, dollars: 16 },
    analyticTable: [
      { trainingSeconds: 60, generationSeconds: 20, pipeline: 20, pipelineCold: 29, naive: 134 },
    ],
    prices: PRICES,
    targets: { maxTransitionsPerSingleScenarioRun: 30, minNaiveOverPipelineTransitions: 20 },
  };
  const economy: EconomyData = {
    trainingSeconds: 300,
    generationSeconds: 120,
    callsByRoute: { 'GET /v1/jobs/{job_id}': 14, 'POST /oauth/token': 1 },
    totalCalls: 22,
    wastedPolls: overrides.wasted ?? 0,
    totalPolls: 2 + (overrides.wasted ?? 0),
    cold: { totalPolls: 9, wastedPolls: 7, totalCalls: 17 },
    newFeed: {
      totalPolls: 2 + (overrides.newFeedWasted ?? 0),
      wastedPolls: overrides.newFeedWasted ?? 0,
      totalCalls: 10,
    },
    naive: { totalPolls: 210, wastedPolls: 208, totalCalls: 218 },
    naiveOverPipelineCalls: 9.9,
    tokenMintsPerRun: 1,
    tokenMints: [
      { shape: '100 runs, all cold at the same instant', runs: 100, tokenMints: overrides.herd ?? 1 },
      { shape: '100 runs, the first run warms the cache', runs: 100, tokenMints: 1 },
    ],
    targets: { tokenMintsPer100ConcurrentRuns: 1, maxWastedPollShare: 1 / 3 },
  };
  const seeds = overrides.scaleSeeds ?? 1000;
  const scale: ScaleData = {
    seeds,
    ratePerSecond: 30,
    pacing: { requestsPerSecond: 29, burst: 1 },
    wallSeconds: 330,
    acceptedVendorCalls: 9000,
    rateLimited429s: 900,
    refusedPerAccepted: 0.1,
    idealSeconds: 300,
    wallOverIdeal: 1.1,
    succeededRuns: seeds,
    failedRuns: [],
    landedObjects: seeds,
    distinctLandedFeeds: seeds,
    trainings: seeds,
    generationsExecuted: seeds,
    duplicateWork: 0,
    vendor429sPerRun: 2,
    stateRetriesPerRun: 0,
    maxStateTransitionsPerRun: 24,
    callsByRoute: {},
    retryIntervalMs: 15000,
  };
  const coldStart: ColdStartData = {
    repetitions: 3,
    nodeOptions: '--enable-source-maps',
    trivial: { bytes: 100, loadMsMedian: 5 },
    bundles: [
      {
        id: 'PollJob',
        entry: 'lambdas/poll-job.ts',
        bytes: 102400,
        loadMsMedian: 50,
        sizeRatio: 1024,
        loadRatio: 6,
        topPackages: [{ name: '@aws-sdk/client-s3', kib: 80 }],
        awsSdkKib: 80,
      },
      {
        id: 'LandArtifact',
        entry: 'lambdas/land-artifact.ts',
        bytes: 400 * 1024,
        loadMsMedian: 35,
        sizeRatio: 4096,
        loadRatio: 7,
        topPackages: [{ name: '@aws-sdk/client-s3', kib: 80 }],
        awsSdkKib: 300,
      },
    ],
    s3ClientAloneKib: 419,
    s3ClientAloneLoadRatio: 5,
  };
  return {
    landing: envelope('landing', landing(overrides.ratio ?? 0.9, overrides.peak ?? 200)),
    cost: envelope('cost', cost),
    economy: envelope('vendor-economy', economy),
    scale: envelope('scale', scale),
    coldStart: envelope('cold-start', coldStart),
    faultMatrix: {
      rows: [
        {
          fault: 'POST /v1/datasets:503x3',
          outcome: 'SUCCEEDED',
          dataLanded: 'yes',
          duplicateVendorWork: 0,
          secretsFound: 0,
        },
      ],
      generatedAt: null,
    },
    totalSeconds: 600,
    large: true,
  };
}

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
    expect(singleScenarioTransitions(5, 4)).toBe(41);
    expect(singleScenarioLambdaRequests(5, 4)).toBe(17);
    // A feed with history: one poll per job, also when the job runs up to the margin late.
    const warm = oneSampleEstimate(300);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 300)).toBe(1);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 312)).toBe(1);
    expect(expectedPollsWithHistory('training', TRAINING_POLL_POLICY, warm, 330)).toBe(2);
    expect(singleScenarioTransitions(1, 1)).toBe(20);
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

  it('judges the scale rows on the target-size run beside this run, and states the local floor', () => {
    const r = results({ scaleSeeds: 200 });
    const base = r.scale!.data;
    const target: ScaleData = {
      ...base,
      seeds: 1000,
      command: 'tsx bench/scale.ts --seeds 1000 --rate 30 --max-seconds 480',
      loadAverage: { start: 9.1, end: 10.4 },
      stoppedAfterSeconds: 480,
      unfinishedRuns: 640,
      succeededRuns: 300,
      failedRuns: Array.from({ length: 60 }, (_, i) => ({ feed: `f${i}`, error: 'TimeoutError: aborted' })),
      landedObjects: 360,
      distinctLandedFeeds: 360,
      wallSeconds: 480,
      acceptedVendorCalls: 4000,
      idealSeconds: 133.3,
      wallOverIdeal: 3.6,
      rateLimited429s: 40,
      refusedPerAccepted: 0.01,
    };
    const floor: ScaleData = {
      ...base,
      floor: true,
      command: 'tsx bench/scale.ts --seeds 200 --rate 30 --floor',
      loadAverage: { start: 7.9, end: 10.5 },
      wallSeconds: 180,
      acceptedVendorCalls: 1800,
      succeededRuns: 51,
      failedRuns: Array.from({ length: 149 }, (_, i) => ({
        feed: `f${i}`,
        error: 'start-ingest failed: aborted',
      })),
      rateLimited429s: 0,
    };
    const withExtras: AllResults = {
      ...r,
      scaleExtras: { target: envelope('scale-1000', target), floor: envelope('scale-floor', floor) },
    };
    const [wall, refused] = checkTargets(withExtras).filter((c) => c.target.startsWith('Scale'));
    expect(wall).toMatchObject({ verdict: 'MISSED' });
    expect(wall!.measured).toMatch(/^3\.6× the ideal \(stopped after 480 s with 640 of 1000 runs unfinished/);
    expect(wall!.measured).toContain('this run, 200 seeds: 1.1× the ideal');
    expect(wall!.limitedBy).toContain(
      '1000 seeds did not finish here: stopped after 480 s with 300 runs succeeded, 60 failed (60: `TimeoutError: aborted`), 640 still running, and 4000 vendor calls accepted (8.3/s against a 30/s limit)',
    );
    expect(wall!.limitedBy).toMatch(
      /The local stack alone \(200 seeds .*took 180 s, 3× the 30\/s ideal for its 1800 calls; 149 runs failed \(149: `start-ingest failed/,
    );
    expect(wall!.limitedBy).not.toContain('Measured at 200 seeds');
    // Few 429s, but the target-size run did not finish: not met.
    expect(refused).toMatchObject({ verdict: 'MISSED' });
    const md = renderBenchmarks(withExtras);
    expect(md).toContain(
      '| figure | this run (200 seeds) | target size, own command (1000 seeds) | local floor: no limit, no pacing (200 seeds) |',
    );
    expect(md).toContain(
      '`tsx bench/scale.ts --seeds 1000 --rate 30 --max-seconds 480`, 2026-01-02 03:04 UTC, load average 9.1→10.4',
    );
    expect(md).toContain('| wall / ideal | 1.1× | 3.6× | 3× the 30/s ideal |');
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

/** `r` with every cold-start bundle's figures changed by `change`. */
function withBundles(r: AllResults, change: (b: BundleFigures) => BundleFigures): AllResults {
  const coldStart = r.coldStart!;
  return {
    ...r,
    coldStart: { ...coldStart, data: { ...coldStart.data, bundles: coldStart.data.bundles.map(change) } },
  };
}

describe('cold-start and landing targets (issue 16)', () => {
  it('misses the bundle targets plainly, naming the S3 client floor, and the load target', () => {
    const r = results();
    const checks = checkTargets(withBundles(r, (b) => ({ ...b, bytes: b.bytes * 4, loadRatio: 12 })));
    const missed = checks.filter((c) => c.verdict === 'MISSED').map((c) => c.target);
    expect(missed).toEqual([
      'Bundle size per function <= 300 KiB (LandArtifact apart)',
      'LandArtifact bundle <= 450 KiB',
      'Module load <= 8× a trivial bundle',
    ]);
    expect(checks.find((c) => c.target.startsWith('Bundle size'))?.limitedBy).toMatch(
      /S3 client alone .* 419 KiB/,
    );
  });

  it('states where a missed load goes: built-ins, compiling, module-level code, and what source maps would add', () => {
    // 100 ms load, 10 ms trivial: 40 ms built-ins alone, 30 ms compiling; 130 ms with source maps.
    const measured = withBundles(results(), (b) => ({
      ...b,
      loadMsMedian: 100,
      trivialLoadMsMedian: 10,
      loadRatio: 10,
      builtinsLoadMsMedian: 40,
      compileMsMedian: 30,
      sourceMapsLoadMsMedian: 130,
    }));
    const load = checkTargets(measured).find((c) => c.target.startsWith('Module load'));
    expect(load?.verdict).toBe('MISSED');
    expect(load?.limitedBy).toContain('take 40 (40) % of the load, 4 (4)× the trivial load');
    expect(load?.limitedBy).toContain('not run) 30 (30) %, 3 (3)×');
    expect(load?.limitedBy).toContain('and linking, the remaining 30 (30) %');
    expect(load?.limitedBy).toContain('30 ms more (median; 13 (13)× the trivial load)');
  });

  it('judges landing throughput on the deployed (worker) cases and compares the inline one', () => {
    const r = results({ ratio: 0.85 });
    const cases = [
      ...r.landing!.data.cases.map((c) => ({ ...c, scanThread: 'worker' as const })),
      { ...r.landing!.data.cases[0]!, scanThread: 'inline' as const, ratioOfSlowestLimit: 0.1 },
    ];
    const checks = checkTargets({ ...r, landing: { ...r.landing!, data: { ...r.landing!.data, cases } } });
    expect(checks.find((c) => c.target.startsWith('Landing throughput'))?.verdict).toBe('met');
  });
});
