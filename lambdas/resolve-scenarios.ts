/**
 * After training: the feed's scenarios (those the run named, or all) resolved against the
 * dataset's cleaned schema, or a failure naming every problem, before any generation. Output
 * what the scenario Map reads, `{ pending, maxConcurrency }` (nothing else: the state's size is
 * budgeted, src/pipeline/state-budget.ts), or `{ vendorWait }` when the vendor reads have to wait
 * their turn (the state machine waits, then runs the step again).
 */
import * as z from '../src/contracts/zod.ts';
import { resolveScenarios } from '../src/pipeline/resolve-scenarios.ts';
import { seedObjectSchema } from '../src/pipeline/seed-object.ts';
import { carriedVendorWaitSchema, isVendorWait } from '../src/pipeline/vendor-wait.ts';
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
  /**
   * The scenario Map's concurrency (the construct's `mapMaxConcurrency`), passed on beside the
   * scenarios. Absent for an execution started on an earlier definition (a deployment does not
   * change running executions), whose ResultSelector reads the whole result's `scenarios`.
   */
  maxConcurrency: z.optional(z.number().check(z.int(), z.positive())),
  /** The step's last wait (null before any), carried back through the state machine's Wait. */
  vendorWait: z.optional(carriedVendorWaitSchema),
  /** `$$.State.RetryCount`: a retried attempt does not reuse the slots its wait reserved. */
  retryCount: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export const handler = defineHandler({
  name: 'Scenario resolution',
  input: resolveScenariosInputSchema,
  logKeys: (input) => ({ runId: input.runId, feed: input.feed, datasetId: input.datasetId }),
  failureIds: (event) => ({ dataset_id: stringField(event, 'datasetId') }),
  run: async (input, _config, { startedAt }) => {
    const out = await resolveScenarios(input, {
      api: await vendorClient(),
      s3: s3(),
      repo: stateRepository(),
      contents: contentLedger(),
      startedAt,
    });
    if (isVendorWait(out)) {
      logger.info('Schema reads wait their turn', { ...out.vendorWait });
      return out;
    }
    metrics.addMetric('ScenariosResolved', MetricUnit.Count, out.scenarios.length);
    logger.info('Scenarios resolved', {
      source: out.source,
      scenarios: out.scenarios.map((s) => s.scenario.name),
      rejected: out.rejected.map((s) => s.name),
      clamps: out.scenarios.reduce((n, s) => n + s.clamps.length, 0),
      warnings: out.scenarios.flatMap((s) => s.warnings),
      feedUpdated: out.feedUpdated,
    });
    if (input.maxConcurrency === undefined) return out;
    return { pending: out.scenarios, maxConcurrency: input.maxConcurrency };
  },
});
