/**
 * Generation step 1: a live dataset for the feed — reused (GET slides its expiry, extended
 * when close to expiring) or re-trained from the feed's latest seed. Output replaces the state:
 * `{ runId, feed, scenarios, seed, dataset: { datasetId, jobId, reused, replacedDatasetId, poll } }`,
 * or for a scheduled run of a feed without a trained seed `{ runId, feed, scenarios, skipped }`.
 */
import * as z from '../src/contracts/zod.ts';
import { isSkipped, prepareFeed } from '../src/pipeline/prepare-feed.ts';
import { s3 } from './commons/clients/s3.ts';
import { defineHandler } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { jobHistory, stateRepository } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const prepareFeedInputSchema = z.object({
  runId: z.string().check(z.minLength(1)),
  executionArn: z.optional(z.nullable(z.string())),
  feed: z.string().check(z.minLength(1)),
  scenarios: z.optional(z.nullable(z.array(z.string().check(z.minLength(1))))),
  slot: z.optional(z.nullable(z.string().check(z.minLength(1)))),
});

export const handler = defineHandler({
  name: 'Feed preparation',
  input: prepareFeedInputSchema,
  logKeys: (input) => ({ runId: input.runId, feed: input.feed }),
  run: async (input) => {
    const prepared = await prepareFeed(input, {
      api: await vendorClient(),
      s3: s3(),
      repo: stateRepository(),
      history: jobHistory(),
    });
    if (isSkipped(prepared)) {
      logger.info('Scheduled run skipped', { ...prepared.skipped });
      return prepared;
    }
    metrics.addMetric(prepared.dataset.reused ? 'DatasetsReused' : 'DatasetsRetrained', MetricUnit.Count, 1);
    logger.info('Feed prepared', {
      datasetId: prepared.dataset.datasetId,
      reused: prepared.dataset.reused,
      replacedDatasetId: prepared.dataset.replacedDatasetId,
      jobId: prepared.dataset.jobId,
    });
    return prepared;
  },
});
