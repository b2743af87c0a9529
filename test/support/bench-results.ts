/**
 * Benchmark results for the report tests (test/unit/bench/*report*.test.ts): every benchmark's
 * document meeting its targets, with overrides to miss them.
 */
import type { BenchResult, MachineInfo } from '../../bench/common.ts';
import type { ColdStartData } from '../../bench/cold-start.ts';
import { PRICES } from '../../bench/cost-model.ts';
import type { CostData, PolicyCost } from '../../bench/cost.ts';
import type { LandingData, RawLimit } from '../../bench/landing.ts';
import type { AllResults } from '../../bench/report.ts';
import type { ScaleData } from '../../bench/scale.ts';
import type { EconomyData } from '../../bench/vendor-economy.ts';

const machine: MachineInfo = {
  node: 'v24.0.0',
  cpu: 'Test CPU',
  cpus: 2,
  memoryGiB: 8,
  platform: 'linux-x64',
};
export const envelope = <T>(benchmark: string, data: T): BenchResult<T> => ({
  benchmark,
  generatedAt: '2026-01-02T03:04:05.000Z',
  machine,
  wallSeconds: 1,
  data,
});

export const limits: RawLimit[] = [
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

export function results(
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
