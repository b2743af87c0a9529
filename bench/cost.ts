/**
 * Benchmark 2, cost per run: state transitions, Lambda requests and Lambda GB-seconds of one
 * single-scenario ingest run with a 5-minute training and a 2-minute generation: the pipeline on
 * a feed's first run (no job history: the backoff schedule) and on its next run (the first poll
 * placed from the recorded durations), and the vendor quickstart's fixed 2-second polling, all
 * run for real on a scaled clock (bench/pipeline-run.ts) and checked against the analytic counts;
 * converted to dollars with {@link PRICES}. Run alone: `tsx bench/cost.ts`.
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
 * `pipeline`: a feed with job history (its run after the first), the figure the targets judge;
 * `pipeline-cold`: the feed's first run (no history); `naive`: 2 s polling.
 */
export type CostPolicy = 'pipeline' | 'pipeline-cold' | 'naive';

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
  /** naive / pipeline. */
  readonly naiveOverPipeline: { readonly stateTransitions: number | null; readonly dollars: number | null };
  /** Analytic transitions for other job lengths. */
  readonly analyticTable: ReadonlyArray<{
    readonly trainingSeconds: number;
    readonly generationSeconds: number;
    /** A feed with history of jobs of these lengths. */
    readonly pipeline: number;
    /** A feed's first run. */
    readonly pipelineCold?: number;
    readonly naive: number;
  }>;
  readonly prices: typeof PRICES;
  readonly targets: typeof COST_TARGETS;
}

export const COST_METHOD =
  'Real handlers and ASL on aws-local-stepfunctions, moto and the simulator; job durations and every Wait divided by the scale ' +
  "(the PollJob binding sleeps poll.nextWaitSeconds / scale from the create call's end or the previous poll's start; the simulator's clock runs scale times as fast, so the job timestamps and the recorded durations are in simulated seconds). " +
  "Pipeline = the feed's second run (a new seed version), its first poll placed from the durations its first run recorded in the state table; pipeline, first run = the same feed without history. " +
  'Naive = the same machine with every wait forced to 2 s. ' +
  'Lambda GB-seconds = measured local handler durations (rounded up to 1 ms) x memory from lib/pipeline-functions.ts; ' +
  'StartIngest counts as a request, its duration is not measured (it runs outside the state machine).';

function analyticFor(
  policy: CostPolicy,
  trainingSeconds: number,
  generationSeconds: number,
): PolicyCost['analytic'] {
  const polls = {
    pipeline: () => [
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
    ],
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
  // The feed's first run records its job durations; its second run (a new seed version) polls by them.
  const runs = [
    { policy: 'pipeline-cold', feed: 'cost-pipeline', seedRows: 120 },
    { policy: 'pipeline', feed: 'cost-pipeline', seedRows: 121 },
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
  const [, pipeline, naive] = policies as [PolicyCost, PolicyCost, PolicyCost];
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
    naiveOverPipeline: {
      stateTransitions: ratio(naive.measured.stateTransitions, pipeline.measured.stateTransitions, 1),
      dollars: ratio(naive.measured.dollars.total, pipeline.measured.dollars.total, 1),
    },
    analyticTable,
    prices: PRICES,
    targets: COST_TARGETS,
  };
  return writeResult('cost', startedAt, data);
}

if (isMain(import.meta.url)) runAsScript(() => runCostBenchmark());
