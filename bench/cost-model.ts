/**
 * The cost model of a pipeline run: prices, dollars, and the analytic poll and transition counts
 * the measured runs are checked against. Pure functions (unit-tested).
 */
import {
  firstWaitSeconds,
  nextWaitSeconds,
  type JobEstimate,
  type JobKind,
} from '../src/pipeline/job-estimate.ts';
import { nextPollDelaySeconds, type PollPolicy } from '../src/pipeline/polling.ts';

/**
 * AWS list prices, us-east-1, as published on aws.amazon.com/step-functions/pricing and
 * aws.amazon.com/lambda/pricing (2025; the first Lambda duration tier, no free tier applied).
 */
export const PRICES = {
  source:
    'AWS list prices, us-east-1 (aws.amazon.com/step-functions/pricing, aws.amazon.com/lambda/pricing), 2025; free tiers not applied',
  /** Step Functions Standard workflow, per state transition. */
  perStateTransition: 0.025 / 1000,
  /** Lambda arm64, per GB-second (first tier). */
  perLambdaGbSecond: 0.0000133334,
  /** Lambda, per request. */
  perLambdaRequest: 0.2 / 1_000_000,
} as const;

export interface RunUsage {
  readonly stateTransitions: number;
  readonly lambdaRequests: number;
  readonly lambdaGbSeconds: number;
}

export interface RunDollars {
  readonly stepFunctions: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly total: number;
}

/** Dollars of one run under {@link PRICES}. */
export function runDollars(usage: RunUsage): RunDollars {
  const stepFunctions = usage.stateTransitions * PRICES.perStateTransition;
  const lambdaRequests = usage.lambdaRequests * PRICES.perLambdaRequest;
  const lambdaDuration = usage.lambdaGbSeconds * PRICES.perLambdaGbSecond;
  return {
    stepFunctions,
    lambdaRequests,
    lambdaDuration,
    total: stepFunctions + lambdaRequests + lambdaDuration,
  };
}

/** Lambda bills duration rounded up to the millisecond, times the configured memory in GB. */
export function gbSeconds(
  invocations: readonly { readonly ms: number; readonly memoryMb: number }[],
): number {
  return invocations.reduce((sum, i) => sum + (Math.ceil(i.ms) / 1000) * (i.memoryMb / 1024), 0);
}

/**
 * Polls the Wait → Poll → Choice loop makes for a job of `durationSeconds` under `policy`, with
 * the jitter at its midpoint: the first poll whose time is at or after the job's end finds it done.
 */
export function expectedPolls(policy: PollPolicy, durationSeconds: number): number {
  let elapsed = 0;
  let polls = 0;
  do {
    elapsed += nextPollDelaySeconds(policy, polls, null, () => 0.5);
    polls += 1;
  } while (elapsed < durationSeconds);
  return polls;
}

/**
 * Polls the loop makes for a job of `durationSeconds` (all of it running, none queued) when the
 * feed's history gives `estimate`: the first poll at the expected end, then the tight steps.
 */
export function expectedPollsWithHistory(
  kind: JobKind,
  policy: PollPolicy,
  estimate: JobEstimate,
  durationSeconds: number,
): number {
  let elapsed = firstWaitSeconds(estimate);
  let polls = 1;
  while (elapsed < durationSeconds) {
    elapsed += nextWaitSeconds(
      kind,
      estimate,
      {
        elapsedSeconds: elapsed,
        startedAfterSeconds: 0,
        status: 'running',
        stage: null,
        latePolls: polls - 1,
      },
      policy.maxSeconds,
    );
    polls += 1;
  }
  return polls;
}

/** The estimate a feed has after one earlier job of exactly `durationSeconds`. */
export function oneSampleEstimate(durationSeconds: number): JobEstimate {
  return { queueSeconds: 0, runSeconds: durationSeconds, spreadSeconds: 0, samples: 1 };
}

/** Polls of a machine that polls every `everySeconds` (the vendor quickstart: 2 s). */
export function fixedIntervalPolls(durationSeconds: number, everySeconds: number): number {
  return Math.max(1, Math.ceil(durationSeconds / everySeconds));
}

/**
 * State transitions of a single-scenario ingest run with `trainingPolls` and `generationPolls`
 * (docs/pipeline.md, "State transitions per run"): 16 fixed states, and Wait + Poll + Choice per poll.
 */
export function singleScenarioTransitions(trainingPolls: number, generationPolls: number): number {
  return 16 + 3 * (trainingPolls + generationPolls);
}

/**
 * Lambda requests of a single-scenario ingest run: StartIngest, UploadSeed, ResolveScenarios,
 * CreateGeneration, LandArtifact, RegisterCatalog, RecordRun twice (the scenario, the run), plus
 * one PollJob per poll.
 */
export function singleScenarioLambdaRequests(trainingPolls: number, generationPolls: number): number {
  return 8 + trainingPolls + generationPolls;
}
