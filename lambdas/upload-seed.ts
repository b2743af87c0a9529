/**
 * Ingest step 1: stream the dropped seed from S3 to the vendor's `createDataset` (idempotent)
 * and record the dataset. Output: `{ datasetId, jobId, requestId, replacedDatasetId, poll }`.
 */
import * as z from '../src/contracts/zod.ts';
import { seedObjectSchema } from '../src/pipeline/seed-object.ts';
import { uploadSeed } from '../src/pipeline/upload-seed.ts';
import { s3 } from './commons/clients/s3.ts';
import { carriedVendorWaitSchema, isVendorWait } from '../src/pipeline/vendor-wait.ts';
import { defineHandler } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { contentLedger, jobHistoryReader, stateRepository } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const uploadSeedInputSchema = z.object({
  runId: z.string().check(z.minLength(1)),
  feed: z.string().check(z.minLength(1)),
  seed: seedObjectSchema,
  /** The step's last wait (null before any), carried back through the state machine's Wait. */
  vendorWait: z.optional(carriedVendorWaitSchema),
  /** `$$.State.RetryCount`: a retried attempt does not reuse the slot its wait reserved. */
  retryCount: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export const handler = defineHandler({
  name: 'Seed upload',
  input: uploadSeedInputSchema,
  logKeys: (input) => ({ runId: input.runId, feed: input.feed }),
  run: async (input, _config, { startedAt }) => {
    const result = await uploadSeed(input, {
      api: await vendorClient(),
      s3: s3(),
      repo: stateRepository(),
      contents: contentLedger(),
      history: jobHistoryReader(),
      startedAt,
    });
    if (isVendorWait(result)) {
      logger.info('Seed upload waits its turn', { ...result.vendorWait });
      return result;
    }
    metrics.addMetric('SeedsUploaded', MetricUnit.Count, 1);
    logger.info('Seed uploaded', {
      datasetId: result.datasetId,
      jobId: result.jobId,
      requestId: result.requestId,
      trained: result.poll.status === 'completed',
      duplicateOf: result.duplicateOf ?? null,
    });
    return result;
  },
});
