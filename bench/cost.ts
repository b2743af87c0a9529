/**
 * Benchmark 2, cost per run: state transitions, Lambda requests and Lambda GB-seconds of one
 * single-scenario ingest run with a 5-minute training and a 2-minute generation: the pipeline on
 * a deployment's very first run (no job recorded anywhere: the backoff schedule), on the feed's
 * next run (the first poll placed from its recorded durations), on another feed's first run (placed
 * from the deployment prior, what the first feed's jobs took), and the vendor quickstart's fixed
 * 2-second polling, all run for real on a scaled clock (bench/pipeline-run.ts) and checked against
 * the analytic counts; converted to dollars with {@link PRICES}. Run alone: `tsx bench/cost.ts`.
 */
import { GENERATION_POLL_POLICY, TRAINING_POLL_POLICY } from '../src/pipeline/polling.ts';
import { isMain, ratio, round, runAsScript, writeResult } from './common.ts';
import {
  PRICES,
  expectedPolls,
  expectedPollsWithHistory,
  oneSampleEstimate,
  fixedIntervalPolls,
  gbSeconds,
  runDollars,
  singleScenarioLambdaRequests,
  singleScenarioTransitions,
  type RunDollars,
} from './cost-model.ts';
import {
  NAIVE_POLL_SECONDS,
  runScaledIngest,
  startScaledEnvironment,
  type ScaledRunOptions,
  type ScaledRunResult,
} from './pipeline-run.ts';

/** Issue 16: at most 30 transitions per run, and at least 20× fewer than 2 s polling. */
export const COST_TARGETS = {
  maxTransitionsPerSingleScenarioRun: 30,
  minNaiveOverPipelineTransitions: 20,
} as const;

/**
 * `pipeline`: a feed with job history (its run after the first); `pipeline-new-feed`: another
 * feed's first run in the same deployment (the deployment prior); the targets judge both.
 * `pipeline-cold`: the deployment's very first run (no job recorded anywhere); `naive`: 2 s polling.
 */
export type CostPolicy = 'pipeline' | 'pipeline-new-feed' | 'pipeline-cold' | 'naive';

export interface PolicyCost {
  readonly policy: CostPolicy;
  readonly measured: {
    readonly stateTransitions: number;
    readonly trainingPolls: number;
    readonly generationPolls: number;
    readonly lambdaRequests: number;
    readonly lambdaGbSeconds: number;
    readonly byFunction: Readonly<Record<string, { count: number; totalMs: number; gbSeconds: number }>>;
    readonly dollars: RunDollars;
    readonly realSeconds: number;
  };
  readonly analytic: {
    readonly trainingPolls: number;
    readonly generationPolls: number;
    readonly stateTransitions: number;
    readonly lambdaRequests: number;
  };
}

export interface CostData {
  readonly trainingSeconds: number;
  readonly generationSeconds: number;
  readonly scale: number;
  readonly method: string;
  readonly policies: readonly PolicyCost[];
  /** naive / pipeline (a feed with history). */
  readonly naiveOverPipeline: { readonly stateTransitions: number | null; readonly dollars: number | null };
  /** naive / pipeline-new-feed (a new feed's first run, by the deployment prior). */
  readonly naiveOverNewFeed?: { readonly stateTransitions: number | null; readonly dollars: number | null };
  /** Analytic transitions for other job lengths. */
  readonly analyticTable: ReadonlyArray<{
    readonly trainingSeconds: number;
    readonly generationSeconds: number;
    /** A feed with history of jobs of these lengths. */
    readonly pipeline: number;
    /** A deployment's very first run. */
    readonly pipelineCold?: number;
    readonly naive: number;
  }>;
  readonly prices: typeof PRICES;
  readonly targets: typeof COST_TARGETS;
}

export const COST_METHOD =
  'Real handlers and ASL on aws-local-stepfunctions, moto and the simulator; job durations and every Wait divided by the scale ' +
  "(the PollJob binding sleeps poll.nextWaitSeconds / scale from the create call's end or the previous poll's start; the simulator's clock runs scale times as fast, so the job timestamps and the recorded durations are in simulated seconds). " +
  "Pipeline, first run of the deployment = a feed's first run with nothing recorded in the state table (the backoff schedule); pipeline, feed with history = the same feed's second run (a new seed version), its first poll placed from the durations its first run recorded; " +
  "pipeline, new feed = another feed's first run right after (a seed of 130 rows against 121, the same 100-row scenario), placed from the deployment prior (the first feed's latest jobs; other feeds' samples count only within 4x of the job's size, so a new feed 4x larger or smaller than every other feed's jobs polls like the deployment's first run). " +
  'Naive = the same machine with every wait forced to 2 s. ' +
  'Lambda GB-seconds = measured local handler durations (rounded up to 1 ms) x memory from lib/pipeline-functions.ts; ' +
  'StartIngest counts as a request, its duration is not measured (it runs outside the state machine).';

function analyticFor(
  policy: CostPolicy,
  trainingSeconds: number,
  generationSeconds: number,
): PolicyCost['analytic'] {
  // One earlier job of the same length: the feed's own, or (a new feed's first run) another feed's.
  const withHistory = () => [
    expectedPollsWithHistory(
      'training',
      TRAINING_POLL_POLICY,
      oneSampleEstimate(trainingSeconds),
      trainingSeconds,
    ),
    expectedPollsWithHistory(
      'generation',
      GENERATION_POLL_POLICY,
      oneSampleEstimate(generationSeconds),
      generationSeconds,
    ),
  ];
  const polls = {
    pipeline: withHistory,
    'pipeline-new-feed': withHistory,
    'pipeline-cold': () => [
      expectedPolls(TRAINING_POLL_POLICY, trainingSeconds),
      expectedPolls(GENERATION_POLL_POLICY, generationSeconds),
    ],
    naive: () => [
      fixedIntervalPolls(trainingSeconds, NAIVE_POLL_SECONDS),
      fixedIntervalPolls(generationSeconds, NAIVE_POLL_SECONDS),
    ],
  }[policy]();
  const [trainingPolls, generationPolls] = polls as [number, number];
  return {
    trainingPolls,
    generationPolls,
    stateTransitions: singleScenarioTransitions(trainingPolls, generationPolls),
    lambdaRequests: singleScenarioLambdaRequests(trainingPolls, generationPolls),
  };
}

/** Folds one measured run into its cost figures. */
export function measuredCost(run: ScaledRunResult): PolicyCost['measured'] {
  const byFunction: Record<string, { count: number; totalMs: number; gbSeconds: number }> = {};
  for (const i of run.invocations) {
    const entry = (byFunction[i.functionId] ??= { count: 0, totalMs: 0, gbSeconds: 0 });
    entry.count += 1;
    entry.totalMs = round(entry.totalMs + i.ms, 1);
    entry.gbSeconds = round(entry.gbSeconds + gbSeconds([i]), 4);
  }
  const lambdaRequests = run.invocations.length + 1; // + StartIngest
  const lambdaGbSeconds = round(gbSeconds(run.invocations), 3);
  const stateTransitions = run.execution.stateTransitions;
  return {
    stateTransitions,
    trainingPolls: run.execution.taskInvocations.PollTraining ?? 0,
    generationPolls: run.execution.taskInvocations.PollGeneration ?? 0,
    lambdaRequests,
    lambdaGbSeconds,
    byFunction,
    dollars: runDollars({ stateTransitions, lambdaRequests, lambdaGbSeconds }),
    realSeconds: round(run.realSeconds, 1),
  };
}

export async function runCostBenchmark(
  options: { trainingSeconds?: number; generationSeconds?: number; scale?: number } = {},
) {
  const startedAt = performance.now();
  const run: Omit<ScaledRunOptions, 'policy'> = {
    trainingSeconds: options.trainingSeconds ?? 300,
    generationSeconds: options.generationSeconds ?? 120,
    scale: options.scale ?? 20,
  };
  const env = await startScaledEnvironment({ ...run, policy: 'pipeline' });
  const policies: PolicyCost[] = [];
  // The deployment's first run records its job durations; the feed's second run (a new seed
  // version) polls by them, then another feed's first run by the deployment prior.
  const runs = [
    { policy: 'pipeline-cold', feed: 'cost-pipeline', seedRows: 120 },
    { policy: 'pipeline', feed: 'cost-pipeline', seedRows: 121 },
    { policy: 'pipeline-new-feed', feed: 'cost-new-feed', seedRows: 130 },
    { policy: 'naive', feed: 'cost-naive', seedRows: 120 },
  ] as const;
  try {
    for (const { policy, feed, seedRows } of runs) {
      const result = await runScaledIngest(
        env,
        { ...run, policy: policy === 'naive' ? 'naive' : 'pipeline', seedRows },
        feed,
      );
      const cost: PolicyCost = {
        policy,
        measured: measuredCost(result),
        analytic: analyticFor(policy, run.trainingSeconds, run.generationSeconds),
      };
      policies.push(cost);
      console.log(
        `[cost] ${policy}: ${cost.measured.stateTransitions} transitions (analytic ${cost.analytic.stateTransitions}), ` +
          `${cost.measured.lambdaRequests} Lambda requests, ${cost.measured.lambdaGbSeconds} GB-s, $${cost.measured.dollars.total.toFixed(6)}`,
      );
    }
  } finally {
    await env.close();
  }
  const byPolicy = (name: CostPolicy): PolicyCost => policies.find((p) => p.policy === name)!;
  const [pipeline, newFeed, naive] = [byPolicy('pipeline'), byPolicy('pipeline-new-feed'), byPolicy('naive')];
  const naiveOver = (p: PolicyCost) => ({
    stateTransitions: ratio(naive.measured.stateTransitions, p.measured.stateTransitions, 1),
    dollars: ratio(naive.measured.dollars.total, p.measured.dollars.total, 1),
  });
  const analyticTable = [
    [60, 20],
    [300, 120],
    [900, 300],
    [3600, 600],
  ].map(([trainingSeconds, generationSeconds]) => ({
    trainingSeconds: trainingSeconds as number,
    generationSeconds: generationSeconds as number,
    pipeline: analyticFor('pipeline', trainingSeconds as number, generationSeconds as number)
      .stateTransitions,
    pipelineCold: analyticFor('pipeline-cold', trainingSeconds as number, generationSeconds as number)
      .stateTransitions,
    naive: analyticFor('naive', trainingSeconds as number, generationSeconds as number).stateTransitions,
  }));
  const data: CostData = {
    ...run,
    method: COST_METHOD,
    policies,
    naiveOverPipeline: naiveOver(pipeline),
    naiveOverNewFeed: naiveOver(newFeed),
    analyticTable,
    prices: PRICES,
    targets: COST_TARGETS,
  };
  return writeResult('cost', startedAt, data);
}

if (isMain(import.meta.url)) runAsScript(() => runCostBenchmark());
