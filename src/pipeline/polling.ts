/**
 * Job polling policy for the Wait → Poll → Choice loops. A feed with past jobs of the kind polls
 * just after the expected completion, then tightly around it (src/pipeline/job-estimate.ts); a
 * feed without history starts with a long first wait, then jittered exponential delays with a
 * cap. Never shorter than the vendor's Retry-After, bounded by a deadline carried in the state.
 */
import * as z from '../contracts/zod.ts';
import { firstWaitSeconds, jobEstimateSchema, type JobEstimate } from './job-estimate.ts';
import { pacingReservationSchema } from './vendor-wait.ts';

/** What a poll loop carries between iterations (no secrets: ids and numbers only). */
export const pollStateSchema = z.object({
  /** `completed` leaves the loop; anything else waits `nextWaitSeconds` and polls again. */
  status: z.enum(['running', 'completed']),
  jobId: z.nullable(z.string()),
  /** Polls made so far. */
  attempt: z.number().check(z.int(), z.nonnegative()),
  /** Seconds the Wait state sleeps before the next poll (integer, ≥ 1 while running). */
  nextWaitSeconds: z.number().check(z.int(), z.nonnegative()),
  /** ISO time after which the loop gives up with `poll_deadline_exceeded`. */
  deadlineAt: z.string(),
  /** Last job status the vendor reported (diagnostic only). */
  jobStatus: z.nullable(z.string()),
  /** When the create call returned (this clock): the job's age is measured from here. */
  createdAt: z.optional(z.string()),
  /** Seconds the Wait states slept so far (a lower bound of the age when the clock is compressed). */
  waitedSeconds: z.optional(z.number().check(z.nonnegative())),
  /** Seed bytes (training) or rows requested (generation), recorded with the job's duration. */
  size: z.optional(z.number().check(z.nonnegative())),
  /** Expected duration from the feed's past jobs; null: no history, the policy's schedule. */
  estimate: z.optional(z.nullable(jobEstimateSchema)),
  /** The pacing slot reserved for the next poll (src/client/pacing-reservation.ts), if paced. */
  reservation: z.optional(z.nullable(pacingReservationSchema)),
});
export type PollState = z.infer<typeof pollStateSchema>;

export interface PollPolicy {
  /** First delay (from the create call to the first poll), seconds. */
  readonly baseSeconds: number;
  /** Growth factor per attempt. */
  readonly factor: number;
  /** Longest single delay, seconds. */
  readonly maxSeconds: number;
  /** ± fraction of jitter applied to each delay (0.2 = ±20 %). */
  readonly jitter: number;
  /** Total time budget from the first poll state, seconds. */
  readonly budgetSeconds: number;
}

/*
 * Each poll costs three state transitions (Wait, Poll, Choice), so the policies start with a long
 * first wait sized to the job kind and double from there: a job is found done at most one doubling
 * (or one 120 s cap) late, and a 5 min training plus a 2 min generation take 5 + 4 polls instead
 * of 8 + 6 with a 2 s start. The narrow jitter still spreads polls of many runs but keeps the poll
 * count of a given job length predictable (docs/pipeline.md, "Waiting").
 */

/** Training takes minutes (up to 2 hours): first poll after 15 s, then 30, 60, 120, 120, … s. */
export const TRAINING_POLL_POLICY: PollPolicy = {
  baseSeconds: 15,
  factor: 2,
  maxSeconds: 120,
  jitter: 0.1,
  budgetSeconds: 2 * 60 * 60,
};

/** Generation of one scenario (up to 1 hour): first poll after 10 s, then 20, 40, 80, 120, … s. */
export const GENERATION_POLL_POLICY: PollPolicy = {
  baseSeconds: 10,
  factor: 2,
  maxSeconds: 120,
  jitter: 0.1,
  budgetSeconds: 60 * 60,
};

/**
 * The delay before poll number `attempt + 1`: `base * factor^attempt` capped at `maxSeconds`,
 * jittered by ±`jitter`, never below the server's Retry-After, rounded up to whole seconds.
 */
export function nextPollDelaySeconds(
  policy: PollPolicy,
  attempt: number,
  retryAfterSeconds: number | null = null,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxSeconds, policy.baseSeconds * policy.factor ** attempt);
  const jittered = exponential * (1 - policy.jitter + 2 * policy.jitter * random());
  const floor = retryAfterSeconds !== null && retryAfterSeconds > 0 ? retryAfterSeconds : 1;
  return Math.max(1, Math.ceil(Math.max(jittered, floor)));
}

/**
 * The loop state right after a create call: done already, or wait for the first poll (just after
 * the expected completion with an `estimate`, the policy's first wait without).
 */
export function initialPollState(
  policy: PollPolicy,
  input: {
    jobId: string | null;
    completed: boolean;
    now?: Date;
    random?: () => number;
    estimate?: JobEstimate | null;
    size?: number;
  },
): PollState {
  const now = input.now ?? new Date();
  const deadlineAt = new Date(now.getTime() + policy.budgetSeconds * 1000).toISOString();
  if (input.completed) {
    return {
      status: 'completed',
      jobId: input.jobId,
      attempt: 0,
      nextWaitSeconds: 0,
      deadlineAt,
      jobStatus: 'completed',
    };
  }
  const estimate = input.estimate ?? null;
  const first = estimate ? firstWaitSeconds(estimate) : nextPollDelaySeconds(policy, 0, null, input.random);
  return {
    status: 'running',
    jobId: input.jobId,
    attempt: 0,
    nextWaitSeconds: Math.min(first, policy.budgetSeconds),
    deadlineAt,
    jobStatus: null,
    createdAt: now.toISOString(),
    waitedSeconds: 0,
    size: input.size ?? 0,
    estimate,
  };
}
