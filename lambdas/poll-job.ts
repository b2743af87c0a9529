/**
 * One poll of a vendor job inside a Wait → Poll → Choice loop. Output: the next loop state
 * `{ status, jobId, attempt, nextWaitSeconds, deadlineAt, jobStatus }`.
 */
import { z } from 'zod';
import { pollJob } from '../src/pipeline/poll-job.ts';
import { pollStateSchema, type PollState } from '../src/pipeline/polling.ts';
import { parseInput, toStateError } from './commons/errors.ts';
import { MetricUnit, logger, metrics, withObservability } from './commons/observability.ts';
import { vendorClient } from './commons/vendor.ts';

export const pollJobInputSchema = z.object({
  kind: z.enum(['dataset', 'generation']),
  poll: pollStateSchema,
  expectedId: z.string().min(1),
});

export const handler = withObservability(async (event: unknown): Promise<PollState> => {
  const input = parseInput(pollJobInputSchema, event);
  try {
    const next = await pollJob(input, { api: await vendorClient() });
    metrics.addMetric(input.kind === 'dataset' ? 'TrainingPolls' : 'GenerationPolls', MetricUnit.Count, 1);
    logger.info('Job polled', {
      kind: input.kind,
      jobId: next.jobId,
      expectedId: input.expectedId,
      status: next.status,
      jobStatus: next.jobStatus,
      attempt: next.attempt,
      nextWaitSeconds: next.nextWaitSeconds,
    });
    return next;
  } catch (err) {
    throw toStateError(
      err,
      input.kind === 'dataset'
        ? { dataset_id: input.expectedId, job_id: input.poll.jobId }
        : { generation_id: input.expectedId, job_id: input.poll.jobId },
    );
  }
});
