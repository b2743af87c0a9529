/**
 * After training: the feed's scenarios (those the run named, or all) resolved against the
 * dataset's cleaned schema, or a failure naming every problem, before any generation. Output `{ scenarios, source, ... }`.
 */
import * as z from '../src/contracts/zod.ts';
import { resolveScenarios } from '../src/pipeline/resolve-scenarios.ts';
import { seedObjectSchema } from '../src/pipeline/seed-object.ts';
import { s3 } from './commons/clients/s3.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { contentLedger, stateRepository } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const resolveScenariosInputSchema = z.object({
  runId: z.string().check(z.minLength(1)),
  feed: z.string().check(z.minLength(1)),
  datasetId: z.string().check(z.minLength(1)),
  seed: seedObjectSchema,
  scenarios: z.optional(z.nullable(z.array(z.string().check(z.minLength(1))))),
});

export const handler = defineHandler({
  name: 'Scenario resolution',
  input: resolveScenariosInputSchema,
  logKeys: (input) => ({ runId: input.runId, feed: input.feed, datasetId: input.datasetId }),
  failureIds: (event) => ({ dataset_id: stringField(event, 'datasetId') }),
  run: async (input) => {
    const out = await resolveScenarios(input, {
      api: await vendorClient(),
      s3: s3(),
      repo: stateRepository(),
      contents: contentLedger(),
    });
    metrics.addMetric('ScenariosResolved', MetricUnit.Count, out.scenarios.length);
    logger.info('Scenarios resolved', {
      source: out.source,
      scenarios: out.scenarios.map((s) => s.scenario.name),
      rejected: out.rejected.map((s) => s.name),
      clamps: out.scenarios.reduce((n, s) => n + s.clamps.length, 0),
      warnings: out.scenarios.flatMap((s) => s.warnings),
      feedUpdated: out.feedUpdated,
    });
    return out;
  },
});
