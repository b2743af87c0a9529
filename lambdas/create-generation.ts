/**
 * Per scenario: create the vendor generation (idempotent per dataset, scenario and run).
 * Output `{ generationId, jobId, requestId, idempotencyKey, status, rowsRequested, rowsGenerated, poll }`.
 */
import * as z from '../src/contracts/zod.ts';
import { createGeneration } from '../src/pipeline/create-generation.ts';
import type { ResolvedScenario } from '../src/pipeline/resolve-scenarios.ts';
import { carriedVendorWaitSchema, isVendorWait } from '../src/pipeline/vendor-wait.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { jobHistoryReader } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const createGenerationInputSchema = z.object({
  runId: z.string().check(z.minLength(1)),
  feed: z.string().check(z.minLength(1)),
  datasetId: z.string().check(z.minLength(1)),
  resolved: z.looseObject({
    scenario: z.looseObject({
      name: z.string().check(z.minLength(1)),
      row_count: z.number().check(z.int(), z.positive()),
      output_format: z.enum(['parquet', 'csv', 'arrow']),
      seed: z.optional(z.number().check(z.int(), z.nonnegative())),
    }),
    conditions: z.nullable(z.looseObject({})),
  }),
  /** The step's last wait (null before any), carried back through the state machine's Wait. */
  vendorWait: z.optional(carriedVendorWaitSchema),
  /** `$$.State.RetryCount`: a retried attempt does not reuse the slot its wait reserved. */
  retryCount: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export const handler = defineHandler({
  name: 'Generation creation',
  input: createGenerationInputSchema,
  logKeys: (input) => ({
    runId: input.runId,
    feed: input.feed,
    datasetId: input.datasetId,
    scenario: input.resolved.scenario.name,
  }),
  failureIds: (event) => ({ dataset_id: stringField(event, 'datasetId') }),
  run: async (input, _config, { startedAt }) => {
    const out = await createGeneration(
      { ...input, resolved: input.resolved as unknown as ResolvedScenario },
      { api: await vendorClient(), history: jobHistoryReader(), startedAt },
    );
    if (isVendorWait(out)) {
      logger.info('Generation request waits its turn', { ...out.vendorWait });
      return out;
    }
    metrics.addMetric('GenerationsCreated', MetricUnit.Count, 1);
    logger.info('Generation created', {
      generationId: out.generationId,
      jobId: out.jobId,
      requestId: out.requestId,
      status: out.status,
    });
    return out;
  },
});
