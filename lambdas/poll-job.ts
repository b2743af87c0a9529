/**
 * One poll of a vendor job inside a Wait → Poll → Choice loop. Output: the next loop state
 * `{ status, jobId, attempt, nextWaitSeconds, deadlineAt, jobStatus, createdAt, waitedSeconds,
 * size, estimate }`. A completed job's queue and run time go into the feed's job history and the
 * deployment prior (the first poll of other feeds' first jobs).
 */
import * as z from '../src/contracts/zod.ts';
import { jobKindOf, pollJob } from '../src/pipeline/poll-job.ts';
import { pollStateSchema } from '../src/pipeline/polling.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { jobHistory } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const pollJobInputSchema = z.object({
  kind: z.enum(['dataset', 'generation']),
  poll: pollStateSchema,
  expectedId: z.string().check(z.minLength(1)),
  /** The feed whose job history records this job's duration (absent in states from before it). */
  feed: z.optional(z.string().check(z.minLength(1))),
  /** `$$.State.RetryCount`: a retried attempt does not reuse the slot its poll reserved. */
  retryCount: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export const handler = defineHandler({
  name: 'Job poll',
  input: pollJobInputSchema,
  logKeys: (input) => ({ kind: input.kind, jobId: input.poll.jobId, expectedId: input.expectedId }),
  failureIds: (event) => {
    const expectedId = stringField(event, 'expectedId');
    const poll = (event as { poll?: unknown } | null)?.poll;
    const jobId = stringField(poll, 'jobId');
    return stringField(event, 'kind') === 'dataset'
      ? { dataset_id: expectedId, job_id: jobId }
      : { generation_id: expectedId, job_id: jobId };
  },
  run: async (input, _config, { startedAt }) => {
    const { next, finished } = await pollJob(input, { api: await vendorClient(), startedAt });
    if (finished && input.feed) {
      // The feed's history and the deployment prior only place future polls: failing to write
      // them must not fail this run. Written side by side; one failing does not stop the other.
      const kind = jobKindOf(input.kind);
      const [own, prior] = await Promise.allSettled([
        jobHistory().record(input.feed, kind, finished),
        jobHistory().recordForDeployment(input.feed, kind, finished),
      ]);
      if (own.status === 'fulfilled') logger.info('Job duration recorded', { ...finished });
      else {
        metrics.addMetric('JobHistoryWriteFailures', MetricUnit.Count, 1);
        logger.warn('Job duration not recorded', { error: own.reason as Error });
      }
      if (prior.status === 'rejected') {
        metrics.addMetric('JobPriorWriteFailures', MetricUnit.Count, 1);
        logger.warn('Job duration not recorded in the deployment prior', { error: prior.reason as Error });
      }
    }
    metrics.addMetric(input.kind === 'dataset' ? 'TrainingPolls' : 'GenerationPolls', MetricUnit.Count, 1);
    logger.info('Job polled', {
      status: next.status,
      jobStatus: next.jobStatus,
      attempt: next.attempt,
      nextWaitSeconds: next.nextWaitSeconds,
    });
    return next;
  },
});
