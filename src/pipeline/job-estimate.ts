/**
 * Where to place the polls of a vendor job: an estimate of its duration from the feed's past
 * jobs of the same kind (queue and run times as the vendor timed them, scaled by size), and the
 * waits that follow from it: the first poll just after the expected completion, then a tight,
 * growing step around it. Updated on every poll from what the vendor tells about the job
 * (`started_at`, still `queued`, a known early `stage`). Pure functions; docs/pipeline.md, "Waiting".
 */
import * as z from '../contracts/zod.ts';

/** Training (dataset jobs) and generation, each with its own history per feed. */
export type JobKind = 'training' | 'generation';

/** One finished job of a feed: seconds as the vendor timed them (its own clock, no skew). */
export const jobDurationSampleSchema = z.object({
  /** created_at → started_at. */
  queueSeconds: z.number().check(z.nonnegative()),
  /** started_at → completed_at. */
  runSeconds: z.number().check(z.nonnegative()),
  /** Seed bytes (training) or rows requested (generation); 0 when unknown. */
  size: z.number().check(z.nonnegative()),
  /** ISO time; bounded so a slot written by anything else cannot bloat the item it lives in. */
  completedAt: z.string().check(z.maxLength(64)),
});
export type JobDurationSample = z.infer<typeof jobDurationSampleSchema>;

/** What the poll loop carries about the expected duration (small: four numbers). */
export const jobEstimateSchema = z.object({
  queueSeconds: z.number().check(z.nonnegative()),
  runSeconds: z.number().check(z.nonnegative()),
  /** Robust spread of the run times (scaled MAD), 0 with one sample. */
  spreadSeconds: z.number().check(z.nonnegative()),
  samples: z.number().check(z.int(), z.positive()),
  /** `deployment`: from other feeds' jobs (the feed had none of its own); absent: the feed's own. */
  source: z.optional(z.literal('deployment')),
});
export type JobEstimate = z.infer<typeof jobEstimateSchema>;

/** Past jobs kept per feed and kind: enough for a robust median, small enough for one item. */
export const JOB_HISTORY_LIMIT = 20;
/** A sample this many scaled MADs from the median is an outlier (a vendor incident, a retry). */
const OUTLIER_MADS = 3;
/** The MAD of a normal distribution times this is its standard deviation. */
const MAD_TO_SIGMA = 1.4826;
/** Samples of a size within this ratio of the job's are taken as they are, others are scaled. */
const SAME_SIZE_RATIO = 1.25;
/** Scaling by size is bounded: a job 10× larger than any seen is not 10× longer with certainty. */
const MAX_SIZE_SCALE = 4;
/**
 * Other feeds' jobs place a new feed's first poll only when their size is within this ratio of
 * the job's: run time is not proportional to size across feeds of very different sizes (fixed
 * costs, other columns), so farther samples are not scaled but left out.
 */
const PRIOR_MAX_SIZE_RATIO = MAX_SIZE_SCALE;
/** Other feeds' jobs older than this no longer describe the vendor's speed. */
const PRIOR_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** The first poll comes this much after the expected completion, at least. */
const MIN_MARGIN_SECONDS = 3;
const MARGIN_FRACTION = 0.04;
/** Spreads of margin beyond the expected completion (about the 93rd percentile). */
const MARGIN_SPREADS = 1.5;
/** The step after a poll that found the job still running past its expected end. */
const TIGHT_STEP_FRACTION = 0.1;
const MIN_STEP_SECONDS = 5;

/**
 * The vendor's stage is a free-text diagnostic (contract notes: do not branch on it). Known names
 * only raise a lower bound on the time left: a job still in an early stage has at least the later
 * stages ahead. Values: the share of the run at which the NEXT stage starts. Unknown stages give
 * no hint.
 */
const STAGE_DONE_AT_MOST: Readonly<Record<JobKind, Readonly<Record<string, number>>>> = {
  training: { queued: 0, reading: 0.05, cleaning: 0.1 },
  generation: { queued: 0 },
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The run time a sample predicts for a job of `size`. */
function scaledRunSeconds(sample: JobDurationSample, size: number): number {
  if (sample.size <= 0 || size <= 0) return sample.runSeconds;
  const ratio = size / sample.size;
  if (ratio <= SAME_SIZE_RATIO && ratio >= 1 / SAME_SIZE_RATIO) return sample.runSeconds;
  return sample.runSeconds * Math.min(MAX_SIZE_SCALE, Math.max(1 / MAX_SIZE_SCALE, ratio));
}

/** The expected queue and run time of a job of `size`, or null for a feed without history. */
export function estimateJob(history: readonly JobDurationSample[], size: number): JobEstimate | null {
  if (history.length === 0) return null;
  const runs = history.map((s) => scaledRunSeconds(s, size));
  const center = median(runs);
  const mad = median(runs.map((r) => Math.abs(r - center)));
  const kept = mad > 0 ? runs.filter((r) => Math.abs(r - center) <= OUTLIER_MADS * MAD_TO_SIGMA * mad) : runs;
  const runSeconds = median(kept);
  const spreadSeconds = MAD_TO_SIGMA * median(kept.map((r) => Math.abs(r - runSeconds)));
  return {
    queueSeconds: round1(median(history.map((s) => s.queueSeconds))),
    runSeconds: round1(runSeconds),
    spreadSeconds: round1(spreadSeconds),
    samples: history.length,
  };
}

/**
 * The estimate for a feed's first job of a kind from the deployment's other feeds' recent jobs
 * (the prior): only samples of a known size within {@link PRIOR_MAX_SIZE_RATIO} of the job's and
 * younger than 30 days, then as {@link estimateJob}; null when none qualifies (the default backoff).
 */
export function estimateFromPrior(
  prior: readonly JobDurationSample[],
  size: number,
  now: Date,
): JobEstimate | null {
  if (size <= 0) return null;
  const usable = prior.filter((s) => {
    const ratio = size / s.size;
    const age = now.getTime() - Date.parse(s.completedAt);
    return (
      s.size > 0 &&
      ratio <= PRIOR_MAX_SIZE_RATIO &&
      ratio >= 1 / PRIOR_MAX_SIZE_RATIO &&
      Number.isFinite(age) &&
      age <= PRIOR_MAX_AGE_MS
    );
  });
  const estimate = estimateJob(usable, size);
  return estimate && { ...estimate, source: 'deployment' };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** How late after the expected completion the first poll comes. */
export function marginSeconds(estimate: JobEstimate): number {
  return Math.max(
    MIN_MARGIN_SECONDS,
    MARGIN_FRACTION * estimate.runSeconds,
    MARGIN_SPREADS * estimate.spreadSeconds,
  );
}

/** The wait from the create call to the first poll: just after the expected completion. */
export function firstWaitSeconds(estimate: JobEstimate): number {
  return Math.max(1, Math.ceil(estimate.queueSeconds + estimate.runSeconds + marginSeconds(estimate)));
}

/** What one poll of a still-running job said, in seconds since the job was created. */
export interface JobProgress {
  /** Seconds since the create call (the larger of the clock and the waits so far). */
  readonly elapsedSeconds: number;
  /** The vendor's started_at − created_at, when it reports both (null: not started yet). */
  readonly startedAfterSeconds: number | null;
  readonly status: string;
  readonly stage: string | null;
  /** Polls since the expected completion passed (0 for the first late one). */
  readonly latePolls: number;
}

/**
 * The wait before the next poll of a job that is not done yet. Aims at the expected completion
 * (re-anchored on `started_at` when the vendor gives it); once past it, a tight step (a tenth of
 * the run, at least the spread) that doubles per late poll, capped at `maxSeconds`. A job still
 * queued, or in a known early stage, has at least the rest of its run ahead.
 */
export function nextWaitSeconds(
  kind: JobKind,
  estimate: JobEstimate,
  progress: JobProgress,
  maxSeconds: number,
): number {
  const margin = marginSeconds(estimate);
  const expectedEnd =
    progress.startedAfterSeconds !== null
      ? progress.startedAfterSeconds + estimate.runSeconds + margin
      : estimate.queueSeconds + estimate.runSeconds + margin;
  let wait = expectedEnd - progress.elapsedSeconds;
  if (wait < MIN_STEP_SECONDS) {
    const step = Math.max(
      MIN_STEP_SECONDS,
      TIGHT_STEP_FRACTION * estimate.runSeconds,
      estimate.spreadSeconds,
    );
    wait = Math.min(maxSeconds, step * 2 ** Math.min(progress.latePolls, 10));
  }
  const doneAtMost =
    progress.status === 'queued'
      ? 0
      : progress.stage !== null
        ? STAGE_DONE_AT_MOST[kind][progress.stage]
        : undefined;
  if (doneAtMost !== undefined) {
    const leftAtLeast = (1 - doneAtMost) * Math.max(0, estimate.runSeconds - 2 * estimate.spreadSeconds);
    wait = Math.max(wait, leftAtLeast);
  }
  return Math.max(1, Math.ceil(wait));
}

/** Where a create step reads past jobs (the state table in a deployment). */
export interface JobHistoryReader {
  /** The feed's own recent jobs of the kind. */
  recent(feed: string, kind: JobKind): Promise<readonly JobDurationSample[]>;
  /** Recent jobs of the kind of the deployment's feeds (the prior for a feed without history). */
  deploymentRecent(kind: JobKind): Promise<readonly JobDurationSample[]>;
}

/**
 * The estimate for a new job of the feed: from its own history when it has one, else from the
 * deployment's other feeds (read only then: one GetItem for a feed with history, two for its
 * first job), else null (a deployment's very first job: the policy's backoff). A failed read
 * also gives null: the estimate only places polls, so it must not fail the create step (the
 * handlers' reader logs and counts the failure).
 */
export async function feedJobEstimate(
  history: JobHistoryReader | undefined,
  feed: string,
  kind: JobKind,
  size: number,
  now: Date = new Date(),
): Promise<JobEstimate | null> {
  if (!history) return null;
  try {
    const own = estimateJob(await history.recent(feed, kind), size);
    return own ?? estimateFromPrior(await history.deploymentRecent(kind), size, now);
  } catch {
    return null;
  }
}
