/**
 * After training: the feed's scenarios (those the run named, or all) resolved against the
 * dataset's cleaned schema, or a failure naming every problem, before any generation. Output `{ scenarios, source, ... }`.
 */
import { z } from 'zod';
import { resolveScenarios, type ResolvedScenarios } from '../src/pipeline/resolve-scenarios.ts';
import { seedObjectSchema } from '../src/pipeline/seed-object.ts';
import { s3 } from './commons/aws-clients.ts';
import { parseInput, toStateError } from './commons/errors.ts';
import { MetricUnit, logger, metrics, withObservability } from './commons/observability.ts';
import { contentLedger, stateRepository } from './commons/state.ts';
import { vendorClient } from './commons/vendor.ts';

export const resolveScenariosInputSchema = z.object({
  runId: z.string().min(1),
  feed: z.string().min(1),
  datasetId: z.string().min(1),
  seed: seedObjectSchema,
  scenarios: z.array(z.string().min(1)).nullable().optional(),
});

export const handler = withObservability(async (event: unknown): Promise<ResolvedScenarios> => {
  const input = parseInput(resolveScenariosInputSchema, event);
  logger.appendKeys({ runId: input.runId, feed: input.feed, datasetId: input.datasetId });
  try {
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
  } catch (err) {
    throw toStateError(err, { dataset_id: input.datasetId });
  }
});
