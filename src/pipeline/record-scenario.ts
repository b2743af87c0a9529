/**
 * The last state of every scenario's Map iteration: whatever happened to the scenario (landed,
 * partial, failed at any step, skipped), its outcome goes into its own item of the run record and
 * its own "Scenario Landed" or "Scenario Failed" event, before the iteration ends. The iteration then returns
 * only a few identifiers, so 100 scenarios fit the Map's output in Step Functions' 256 KiB.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from '../contracts/zod.ts';
import type { ScenarioOutcome, ScenarioOutcomeKind } from '../state/records.ts';
import type { StateRepository } from '../state/repository.ts';
import { scenarioFailedEvent, scenarioLandedEvent, type RunContext } from '../events/entries.ts';
import { publishEvents } from '../events/publish.ts';
import { toRunFailure } from './record-run.ts';
import { stepResultSchema } from './vendor-wait.ts';

const share = z.nullable(z.number());
const qualityHeadlineSchema = z.object({
  passed: z.boolean(),
  fidelityScore: share,
  exactMatchShare: share,
  exactMatchExcess: share,
  dcrCloseShare: share,
  passThroughColumns: z.number().check(z.int(), z.nonnegative()),
  failedMetrics: z.array(z.string()),
});

const catchSchema = z.object({
  Error: z.optional(z.nullable(z.string())),
  Cause: z.optional(z.nullable(z.string())),
});

/** One iteration's state, however far it got (extra fields ignored). */
export const scenarioIterationSchema = z.looseObject({
  feed: z.string().check(z.minLength(1)),
  datasetId: z.optional(z.nullable(z.string().check(z.minLength(1)))),
  resolved: z.looseObject({
    scenario: z.looseObject({
      name: z.string().check(z.minLength(1)),
      row_count: z.optional(z.number().check(z.int())),
    }),
    /** Set when the scenario is not to be attempted (e.g. it already landed): `{ code, reason }`. */
    skip: z.optional(
      z.nullable(
        z.object({ code: z.string().check(z.minLength(1)), reason: z.string().check(z.minLength(1)) }),
      ),
    ),
  }),
  generation: z.optional(
    stepResultSchema(
      z.looseObject({
        generationId: z.string().check(z.minLength(1)),
        jobId: z.optional(z.nullable(z.string())),
        rowsRequested: z.optional(z.nullable(z.number().check(z.int()))),
      }),
    ),
  ),
  landed: z.optional(
    stepResultSchema(
      z.looseObject({
        outputKey: z.string().check(z.minLength(1)),
        manifestKey: z.string().check(z.minLength(1)),
        format: z.string().check(z.minLength(1)),
        rowsGenerated: z.number().check(z.int(), z.nonnegative()),
        rowsRequested: z.optional(z.nullable(z.number().check(z.int(), z.nonnegative()))),
        partial: z.boolean(),
        bytes: z.optional(z.nullable(z.number().check(z.int(), z.nonnegative()))),
        /** The quality report's headline (numbers only), when the report ran. */
        quality: z.optional(z.nullable(qualityHeadlineSchema)),
        /** True when the object was landed before (by this run or, same seed bytes, another one). */
        alreadyLanded: z.optional(z.boolean()),
        /** The run that landed the object (its manifest's run id). */
        landedByRunId: z.optional(z.nullable(z.string().check(z.minLength(1)))),
      }),
    ),
  ),
  /** What the iteration's Catch stored when a step failed. */
  error: z.optional(z.nullable(catchSchema)),
});
export type ScenarioIteration = z.infer<typeof scenarioIterationSchema>;

export const recordScenarioInputSchema = z.object({
  action: z.literal('scenario'),
  runId: z.string().check(z.minLength(1)),
  executionArn: z.optional(z.nullable(z.string())),
  /** `$$.Execution.RedriveCount`: 0, or how many times Step Functions redrove the execution. */
  redriveCount: z.optional(z.number().check(z.int(), z.nonnegative())),
  state: scenarioIterationSchema,
});
export type RecordScenarioInput = z.infer<typeof recordScenarioInputSchema>;

/** What the iteration hands back to the Map: identifiers only (the rest is in the record). */
export interface ScenarioResult {
  readonly scenario: string;
  readonly outcome: ScenarioOutcomeKind;
  readonly generationId: string | null;
  readonly manifestKey: string | null;
  /** The failure code for `failed`, the skip code for `skipped`, else null. */
  readonly code: string | null;
}

export interface RecordScenarioDeps {
  readonly repo: StateRepository;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly now?: () => Date;
}

/** The outcome an iteration's state describes. */
export function scenarioOutcomeOf(
  input: RecordScenarioInput,
  recordedAt: string,
): Omit<ScenarioOutcome, 'eventPublishedAt'> {
  const { state } = input;
  const landed = state.landed ?? null;
  const generationId = state.generation?.generationId ?? null;
  let outcome: ScenarioOutcomeKind;
  let failure: ScenarioOutcome['failure'] = null;
  if (state.resolved.skip) outcome = 'skipped';
  else if (state.error || !landed) {
    outcome = 'failed';
    const caught = state.error ?? {
      Error: 'ScenarioIncomplete',
      Cause: 'The iteration ended without landing an artifact or recording an error.',
    };
    const parsed = toRunFailure(caught, state.datasetId ?? null);
    failure = { ...parsed, generation_id: parsed.generation_id ?? generationId };
  } else outcome = landed.partial ? 'partial' : 'landed';
  return {
    runId: input.runId,
    scenario: state.resolved.scenario.name,
    outcome,
    executionArn: input.executionArn ?? null,
    redriveCount: input.redriveCount ?? 0,
    generationId,
    jobId: state.generation?.jobId ?? null,
    outputKey: landed?.outputKey ?? null,
    manifestKey: landed?.manifestKey ?? null,
    format: landed?.format ?? null,
    rowsRequested: landed?.rowsRequested ?? state.generation?.rowsRequested ?? null,
    rowsGenerated: landed?.rowsGenerated ?? null,
    bytes: landed?.bytes ?? null,
    quality: landed?.quality ?? null,
    failure,
    reason: state.resolved.skip ? `${state.resolved.skip.code}: ${state.resolved.skip.reason}` : null,
    recordedAt,
  };
}

/**
 * The run that already landed and announced this very object (the same seed bytes dropped again:
 * the vendor replayed the generation and the landing found that run's manifest), or null. Its
 * Scenario Landed event went out then; sending another under this run's id would announce one
 * object twice. A run that landed the object without announcing it (it failed after landing)
 * does not count: the object is announced now.
 */
async function announcedByOtherRun(
  input: RecordScenarioInput,
  stored: ScenarioOutcome,
  repo: StateRepository,
): Promise<string | null> {
  const landed = input.state.landed;
  const other = landed?.landedByRunId;
  if (!landed?.alreadyLanded || !other || other === input.runId) return null;
  if (stored.outcome !== 'landed' && stored.outcome !== 'partial') return null;
  const earlier = await repo.scenarioOutcomes.get(other, stored.scenario);
  const announced =
    (earlier?.outcome === 'landed' || earlier?.outcome === 'partial') &&
    earlier.outputKey === stored.outputKey &&
    Boolean(earlier.eventPublishedAt);
  return announced ? other : null;
}

/** Records the scenario's outcome and sends its event once. */
export async function recordScenario(
  input: RecordScenarioInput,
  deps: RecordScenarioDeps,
): Promise<ScenarioResult> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const store = deps.repo.scenarioOutcomes;
  const stored = await store.put(scenarioOutcomeOf(input, now));
  const announcedBy = stored.eventPublishedAt ? null : await announcedByOtherRun(input, stored, deps.repo);
  if (announcedBy) {
    await store.markEventPublished(input.runId, stored.scenario, now, announcedBy);
  } else if (!stored.eventPublishedAt && stored.outcome !== 'skipped') {
    const run = await deps.repo.getRunHeader(input.runId);
    const feed = run?.feed ?? input.state.feed;
    const base: RunContext & { feed: string } = {
      runId: input.runId,
      kind: run?.kind ?? 'ingest',
      feed,
      datasetId: input.state.datasetId ?? run?.datasetId ?? null,
      executionArn: input.executionArn ?? null,
      seed: run?.seed ?? null,
    };
    const event =
      stored.outcome === 'failed' && stored.failure
        ? scenarioFailedEvent(base, { name: stored.scenario, outcome: 'failed', failure: stored.failure })
        : scenarioLandedEvent(base, {
            scenario: stored.scenario,
            generationId: stored.generationId ?? '',
            jobId: stored.jobId,
            outputKey: stored.outputKey ?? '',
            manifestKey: stored.manifestKey ?? '',
            format: stored.format ?? '',
            rowsGenerated: stored.rowsGenerated ?? 0,
            partial: stored.outcome === 'partial',
            bytes: stored.bytes,
          });
    await publishEvents(deps.eventBridge, deps.eventBusName, [event]);
    await store.markEventPublished(input.runId, stored.scenario, now);
  }
  return {
    scenario: stored.scenario,
    outcome: stored.outcome,
    generationId: stored.generationId,
    manifestKey: stored.manifestKey,
    code:
      stored.failure?.code ??
      (stored.outcome === 'skipped' ? (input.state.resolved.skip?.code ?? null) : null),
  };
}
