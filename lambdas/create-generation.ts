/**
 * Per scenario: create the vendor generation (idempotent per dataset, scenario and run).
 * Output `{ generationId, jobId, requestId, idempotencyKey, status, rowsRequested, rowsGenerated, poll }`.
 */
import * as z from 'zod';
import { createGeneration } from '../src/pipeline/create-generation.ts';
import type { ResolvedScenario } from '../src/pipeline/resolve-scenarios.ts';
import { isVendorWait } from '../src/pipeline/vendor-wait.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { vendorClient } from './commons/vendor.ts';

export const createGenerationInputSchema = z.object({
  runId: z.string().min(1),
  feed: z.string().min(1),
  datasetId: z.string().min(1),
  resolved: z.looseObject({
    scenario: z.looseObject({
      name: z.string().min(1),
      row_count: z.number().int().positive(),
      output_format: z.enum(['parquet', 'csv', 'arrow']),
      seed: z.number().int().nonnegative().optional(),
    }),
    conditions: z.looseObject({}).nullable(),
  }),
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
  run: async (input) => {
    const out = await createGeneration(
      { ...input, resolved: input.resolved as unknown as ResolvedScenario },
      { api: await vendorClient() },
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
