/**
 * Job polling policy for the Wait → Poll → Choice loops: jittered exponential delays that honour
 * the vendor's Retry-After, bounded by a deadline carried in the state.
 */
import { z } from 'zod';

/** What a poll loop carries between iterations (no secrets: ids and numbers only). */
export const pollStateSchema = z.object({
  /** `completed` leaves the loop; anything else waits `nextWaitSeconds` and polls again. */
  status: z.enum(['running', 'completed']),
  jobId: z.string().nullable(),
  /** Polls made so far. */
  attempt: z.number().int().nonnegative(),
  /** Seconds the Wait state sleeps before the next poll (integer, ≥ 1 while running). */
  nextWaitSeconds: z.number().int().nonnegative(),
  /** ISO time after which the loop gives up with `poll_deadline_exceeded`. */
  deadlineAt: z.string(),
  /** Last job status the vendor reported (diagnostic only). */
  jobStatus: z.string().nullable(),
});
export type PollState = z.infer<typeof pollStateSchema>;

export interface PollPolicy {
  /** First delay, seconds. */
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

/** Training can take long: up to 2 hours. */
export const TRAINING_POLL_POLICY: PollPolicy = {
  baseSeconds: 2,
  factor: 2,
  maxSeconds: 120,
  jitter: 0.2,
  budgetSeconds: 2 * 60 * 60,
};

/** Generation of one scenario: up to 1 hour. */
export const GENERATION_POLL_POLICY: PollPolicy = {
  baseSeconds: 2,
  factor: 2,
  maxSeconds: 120,
  jitter: 0.2,
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

/** The loop state right after a create call: done already, or wait for the first poll. */
export function initialPollState(
  policy: PollPolicy,
  input: { jobId: string | null; completed: boolean; now?: Date; random?: () => number },
): PollState {
  const now = input.now ?? new Date();
  return {
    status: input.completed ? 'completed' : 'running',
    jobId: input.jobId,
    attempt: 0,
    nextWaitSeconds: input.completed ? 0 : nextPollDelaySeconds(policy, 0, null, input.random),
    deadlineAt: new Date(now.getTime() + policy.budgetSeconds * 1000).toISOString(),
    jobStatus: input.completed ? 'completed' : null,
  };
}
