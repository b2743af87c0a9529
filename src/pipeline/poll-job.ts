/**
 * One iteration of a Wait → Poll → Choice loop: reads the vendor job and says whether to leave
 * the loop (`completed`, with the job's duration for the feed's history), wait again (with the
 * next delay: from the estimate and what the vendor said, or the policy's schedule), or fail
 * (terminal job status, missing result id, deadline).
 */
import { SimulacraApiError, SimulacraNetworkError } from '../client/errors.ts';
import type { Job, SimulacraApi } from '../client/contract.ts';
import { VendorTerminalError, failure, toStateError } from '../contracts/state-errors.ts';
import { nextWaitSeconds, type JobDurationSample, type JobKind } from './job-estimate.ts';
import {
  GENERATION_POLL_POLICY,
  TRAINING_POLL_POLICY,
  nextPollDelaySeconds,
  type PollPolicy,
  type PollState,
} from './polling.ts';
import { inPacingTurn, vendorWaitFor } from './vendor-wait.ts';

export type PollKind = 'dataset' | 'generation';

export interface PollJobInput {
  readonly kind: PollKind;
  readonly poll: PollState;
  /** The dataset or generation id the job must complete with (from the create call). */
  readonly expectedId: string;
  /** `$$.State.RetryCount` of this attempt (see StepAttempt). */
  readonly retryCount?: number;
}

export interface PollJobDeps {
  readonly api: SimulacraApi;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** When the step's handler was entered (epoch ms); default: `now`. */
  readonly startedAt?: number;
}

/** The next loop state, and the finished job's timing when this poll found it completed. */
export interface PollJobResult {
  readonly next: PollState;
  readonly finished: JobDurationSample | null;
}

const TERMINAL_FAILURES = new Set(['failed', 'cancelled', 'expired']);

/** The feed history a poll kind feeds: dataset jobs are trainings. */
export function jobKindOf(kind: PollKind): JobKind {
  return kind === 'dataset' ? 'training' : 'generation';
}

function secondsBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/**
 * The job's queue and run time as the vendor timed them; without usable timestamps, the time
 * since the create call as the run time (an upper bound).
 */
function finishedSample(job: Job, poll: PollState, elapsedSeconds: number, now: Date): JobDurationSample {
  const queue = secondsBetween(job.created_at, job.started_at);
  const run = secondsBetween(job.started_at, job.completed_at);
  const usable = queue !== null && run !== null;
  return {
    queueSeconds: usable ? queue : 0,
    runSeconds: usable ? run : Math.round(elapsedSeconds),
    size: poll.size ?? 0,
    completedAt: job.completed_at ?? now.toISOString(),
  };
}

function policyFor(kind: PollKind): PollPolicy {
  return kind === 'dataset' ? TRAINING_POLL_POLICY : GENERATION_POLL_POLICY;
}

function ids(kind: PollKind, jobId: string, id: string): Record<string, string> {
  return kind === 'dataset' ? { job_id: jobId, dataset_id: id } : { job_id: jobId, generation_id: id };
}

/** Polls the job once and returns the next loop state. */
export async function pollJob(input: PollJobInput, deps: PollJobDeps): Promise<PollJobResult> {
  const now = deps.now?.() ?? new Date();
  const { poll, kind } = input;
  const jobId = poll.jobId;
  if (poll.status === 'completed') return { next: poll, finished: null };
  if (!jobId) {
    throw new VendorTerminalError(
      failure('poll_without_job', `No job to poll for ${kind} ${input.expectedId}.`),
    );
  }
  const failureIds = ids(kind, jobId, input.expectedId);
  const deadline = Date.parse(poll.deadlineAt);
  if (now.getTime() >= deadline) {
    throw new VendorTerminalError(
      failure(
        'poll_deadline_exceeded',
        `Job ${jobId} (${kind}) did not finish by ${poll.deadlineAt} after ${poll.attempt} polls.`,
        failureIds,
      ),
    );
  }
  // No wait runs past the deadline: the last poll comes at it.
  const remainingSeconds = Math.max(1, Math.ceil((deadline - now.getTime()) / 1000));
  const attempt = poll.attempt + 1;
  const policy = policyFor(kind);
  // The job's age: the clock since the create call, or the waits so far when they are longer
  // (a local run on a compressed clock); a state from before the estimate has neither.
  const waitedSeconds = (poll.waitedSeconds ?? 0) + poll.nextWaitSeconds;
  const createdAt = poll.createdAt ? Date.parse(poll.createdAt) : Number.NaN;
  const elapsedSeconds = Math.max(
    waitedSeconds,
    Number.isFinite(createdAt) ? (now.getTime() - createdAt) / 1000 : 0,
  );
  // A reservation is used (or missed) by this poll: the next state carries only a new one.
  const { reservation: held, ...unreserved } = poll;
  const polled = { ...unreserved, attempt, ...(poll.createdAt ? { waitedSeconds } : {}) };
  const scheduled = (job: Job | null): number => {
    if (!poll.estimate || !job) return nextPollDelaySeconds(policy, attempt, null, deps.random);
    return nextWaitSeconds(
      jobKindOf(kind),
      poll.estimate,
      {
        elapsedSeconds,
        startedAfterSeconds: secondsBetween(job.created_at, job.started_at),
        status: job.status,
        stage: job.stage,
        latePolls: attempt - 1,
      },
      policy.maxSeconds,
    );
  };
  const waitAgain = (
    jobStatus: string | null,
    retryAfterSeconds: number | null,
    job: Job | null = null,
  ): PollJobResult => {
    // A throttled poll learnt nothing about the job: come back when the vendor asks (not sooner
    // than the first wait), rather than after the next, longer step of the schedule.
    const delay =
      retryAfterSeconds !== null && retryAfterSeconds > 0
        ? Math.max(Math.ceil(retryAfterSeconds), policy.baseSeconds)
        : scheduled(job);
    return {
      next: { ...polled, status: 'running', nextWaitSeconds: Math.min(delay, remainingSeconds), jobStatus },
      finished: null,
    };
  };

  let job: Job;
  try {
    job = await inPacingTurn(held ?? null, () => deps.api.getJob(jobId), {
      startedAt: deps.startedAt ?? now.getTime(),
      retryCount: input.retryCount,
    });
  } catch (err) {
    // A throttled, paced or failing poll is just another loop iteration, after the server's
    // Retry-After (jittered) or the pacing's turn.
    const vendorWait = vendorWaitFor(err, deps.random);
    if (vendorWait?.reservedAt !== undefined) {
      // The slot is reserved: come back just before it (not after the schedule's next step).
      const reservation = { operation: vendorWait.operation, reservedAt: vendorWait.reservedAt };
      const nextWait = Math.min(vendorWait.seconds, remainingSeconds);
      return {
        next: {
          ...polled,
          status: 'running',
          nextWaitSeconds: nextWait,
          jobStatus: poll.jobStatus,
          reservation,
        },
        finished: null,
      };
    }
    if (vendorWait) return waitAgain(poll.jobStatus, vendorWait.seconds);
    if (err instanceof SimulacraApiError && err.retryable)
      return waitAgain(poll.jobStatus, err.retryAfterSeconds);
    if (err instanceof SimulacraNetworkError) return waitAgain(poll.jobStatus, null);
    throw toStateError(err, failureIds);
  }

  if (job.status === 'completed') {
    const resultId = kind === 'dataset' ? job.dataset_id : job.generation_id;
    if (!resultId) {
      throw new VendorTerminalError({
        ...failure('job_completed_without_id', `Job ${jobId} completed without a ${kind}_id.`, failureIds),
        request_id: job.request_id,
        operation: 'getJob',
      });
    }
    if (resultId !== input.expectedId) {
      throw new VendorTerminalError({
        ...failure(
          'job_result_mismatch',
          `Job ${jobId} completed with ${kind}_id ${resultId}, expected ${input.expectedId}.`,
          failureIds,
        ),
        request_id: job.request_id,
        operation: 'getJob',
      });
    }
    return {
      next: { ...polled, status: 'completed', nextWaitSeconds: 0, jobStatus: job.status },
      finished: finishedSample(job, poll, elapsedSeconds, now),
    };
  }
  if (TERMINAL_FAILURES.has(job.status)) {
    const code = job.error?.code ?? `job_${job.status}`;
    const detail = job.error?.message ?? `Job ${jobId} ended as ${job.status}.`;
    throw new VendorTerminalError({
      message: `Job ${jobId} (${kind}) ${job.status}: ${code}: ${detail}`,
      code,
      detail,
      request_id: job.request_id,
      operation: 'getJob',
      ...failureIds,
    });
  }
  // queued, running, or a status added by the vendor later: keep waiting.
  return waitAgain(job.status, null, job);
}
