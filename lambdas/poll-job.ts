/**
 * One poll of a vendor job inside a Wait → Poll → Choice loop. Output: the next loop state
 * `{ status, jobId, attempt, nextWaitSeconds, deadlineAt, jobStatus }`.
 */
import * as z from '../src/contracts/zod.ts';
import { pollJob } from '../src/pipeline/poll-job.ts';
import { pollStateSchema } from '../src/pipeline/polling.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { vendorClient } from './commons/vendor.ts';

export const pollJobInputSchema = z.object({
  kind: z.enum(['dataset', 'generation']),
  poll: pollStateSchema,
  expectedId: z.string().check(z.minLength(1)),
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
  run: async (input) => {
    const next = await pollJob(input, { api: await vendorClient() });
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
