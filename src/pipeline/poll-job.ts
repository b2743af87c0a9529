/**
 * One iteration of a Wait → Poll → Choice loop: reads the vendor job and says whether to leave
 * the loop (`completed`), wait again (with the next delay), or fail (terminal job status,
 * missing result id, deadline).
 */
import { SimulacraApiError, SimulacraNetworkError } from '../client/errors.ts';
import type { Job, SimulacraApi } from '../client/contract.ts';
import { VendorTerminalError, failure, toStateError } from '../contracts/state-errors.ts';
import {
  GENERATION_POLL_POLICY,
  TRAINING_POLL_POLICY,
  nextPollDelaySeconds,
  type PollPolicy,
  type PollState,
} from './polling.ts';
import { vendorWaitFor } from './vendor-wait.ts';

export type PollKind = 'dataset' | 'generation';

export interface PollJobInput {
  readonly kind: PollKind;
  readonly poll: PollState;
  /** The dataset or generation id the job must complete with (from the create call). */
  readonly expectedId: string;
}

export interface PollJobDeps {
  readonly api: SimulacraApi;
  readonly now?: () => Date;
  readonly random?: () => number;
}

const TERMINAL_FAILURES = new Set(['failed', 'cancelled', 'expired']);

function policyFor(kind: PollKind): PollPolicy {
  return kind === 'dataset' ? TRAINING_POLL_POLICY : GENERATION_POLL_POLICY;
}

function ids(kind: PollKind, jobId: string, id: string): Record<string, string> {
  return kind === 'dataset' ? { job_id: jobId, dataset_id: id } : { job_id: jobId, generation_id: id };
}

/** Polls the job once and returns the next loop state. */
export async function pollJob(input: PollJobInput, deps: PollJobDeps): Promise<PollState> {
  const now = deps.now?.() ?? new Date();
  const { poll, kind } = input;
  const jobId = poll.jobId;
  if (poll.status === 'completed') return poll;
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
  const attempt = poll.attempt + 1;
  const policy = policyFor(kind);
  const waitAgain = (jobStatus: string | null, retryAfterSeconds: number | null): PollState => {
    // A throttled poll learnt nothing about the job: come back when the vendor asks (not sooner
    // than the first wait), rather than after the next, longer step of the schedule.
    const delay =
      retryAfterSeconds !== null && retryAfterSeconds > 0
        ? Math.max(Math.ceil(retryAfterSeconds), policy.baseSeconds)
        : nextPollDelaySeconds(policy, attempt, null, deps.random);
    const remaining = Math.max(1, Math.ceil((deadline - now.getTime()) / 1000));
    return { ...poll, status: 'running', attempt, nextWaitSeconds: Math.min(delay, remaining), jobStatus };
  };

  let job: Job;
  try {
    job = await deps.api.getJob(jobId);
  } catch (err) {
    // A throttled, paced or failing poll is just another loop iteration, after the server's
    // Retry-After (jittered) or the pacing's turn.
    const vendorWait = vendorWaitFor(err, deps.random);
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
    return { ...poll, status: 'completed', attempt, nextWaitSeconds: 0, jobStatus: job.status };
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
  return waitAgain(job.status, null);
}
