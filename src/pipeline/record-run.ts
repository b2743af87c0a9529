/**
 * Finishes a run: its status from its scenarios' recorded outcomes (SUCCEEDED, PARTIAL, FAILED;
 * SKIPPED for a scheduled generation of a feed without a dataset yet; see docs/run-outcomes.md),
 * the final record in DynamoDB (conditional, replay-safe), then its
 * EventBridge events: "Scenario Failed" for each scenario refused before any vendor call (it has
 * no Map iteration to announce it) and one "Run Finished". "Scenario Landed" and the other
 * "Scenario Failed" events went out from each Map iteration already. Delivery is at least once:
 * each accepted id is recorded on the run, and a retried Task re-sends only what was not accepted.
 * An ingest run that leaves its feed with a dataset then enables the feed's schedules
 * (feed-schedules.ts), which the construct creates disabled.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import * as z from '../contracts/zod.ts';
import { InputValidationError, failure, parseFailureCause } from '../contracts/state-errors.ts';
import type {
  RunFailure,
  RunOutput,
  RunRecord,
  ScenarioCounts,
  ScenarioOutcome,
  ScenarioRejection,
} from '../state/records.ts';
import type { StateRepository } from '../state/repository.ts';
import {
  runFinishedEvent,
  scenarioFailedEvent,
  type PipelineEvent,
  type RunContext,
} from '../events/entries.ts';
import { publishEvents } from '../events/publish.ts';
import { enableFeedSchedules, type EnabledSchedules, type FeedSchedules } from './feed-schedules.ts';
import { seedObjectSchema } from './seed-object.ts';
import { stepResultSchema } from './vendor-wait.ts';

/** One Map iteration's result: what RecordScenario returned (see record-scenario.ts). */
const scenarioResultSchema = z.looseObject({
  scenario: z.string().check(z.minLength(1)),
  outcome: z.enum(['landed', 'partial', 'failed', 'skipped']),
});

/**
 * The RecordSuccess / RecordFailure task input: the outcome, the execution's identity and the
 * whole execution state (`$`), whose optional parts depend on how far the run got.
 */
export const recordRunInputSchema = z.object({
  /** `skipped`: PrepareFeed found nothing to generate from (`state.skipped` says why). */
  outcome: z.enum(['succeeded', 'failed', 'skipped']),
  kind: z.enum(['ingest', 'generate']),
  runId: z.string().check(z.minLength(1)),
  executionArn: z.optional(z.nullable(z.string())),
  /** `$$.Execution.RedriveCount`: a redrive of the execution may finish its run again. */
  redriveCount: z.optional(z.number().check(z.int(), z.nonnegative())),
  state: z.looseObject({
    feed: z.optional(z.nullable(z.string().check(z.minLength(1)))),
    seed: z.optional(z.nullable(seedObjectSchema)),
    dataset: z.optional(stepResultSchema(z.looseObject({ datasetId: z.string().check(z.minLength(1)) }))),
    /** The Map's output; before the Map ends it holds the pending scenarios (an object), not results. */
    results: z.preprocess(
      (value) => (Array.isArray(value) ? value : undefined),
      z.optional(z.array(scenarioResultSchema)),
    ),
    skipped: z.optional(
      z.object({ code: z.string().check(z.minLength(1)), reason: z.string().check(z.minLength(1)) }),
    ),
    /** What a Catch stored: `{ Error, Cause }`. */
    error: z.optional(
      z.object({ Error: z.optional(z.nullable(z.string())), Cause: z.optional(z.nullable(z.string())) }),
    ),
  }),
});
export type RecordRunInput = z.infer<typeof recordRunInputSchema>;

export interface RecordRunDeps {
  readonly repo: StateRepository;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  /** The schedules to enable when a feed gets its dataset. @default - none enabled */
  readonly schedules?: { readonly byFeed: FeedSchedules; readonly scheduler: SchedulerClient };
}

export interface RecordRunResult {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly eventsPublished: number;
  /** For failures: the recorded code, so the Fail state and callers can show it. */
  readonly code: string | null;
  /** For PARTIAL and FAILED: the error name and cause the execution fails with. */
  readonly error: string | null;
  readonly cause: string | null;
  readonly counts: ScenarioCounts;
  /** For an ingest run that left its feed with a dataset: what became of the feed's schedules. */
  readonly schedules?: EnabledSchedules;
}

/** Builds the failure record from a Catch's `{ Error, Cause }`. */
export function toRunFailure(
  error: { Error?: string | null; Cause?: string | null },
  datasetId: string | null,
): RunFailure {
  const parsed = parseFailureCause(error.Error, error.Cause);
  return {
    error: parsed.error,
    code: parsed.code ?? parsed.error,
    detail: parsed.detail ?? null,
    message: parsed.message ?? null,
    status: parsed.status ?? null,
    request_id: parsed.request_id ?? null,
    x_request_id: parsed.x_request_id ?? null,
    operation: parsed.operation ?? null,
    job_id: parsed.job_id ?? null,
    dataset_id: parsed.dataset_id ?? datasetId,
    generation_id: parsed.generation_id ?? null,
  };
}

function countOutcomes(scenarios: readonly ScenarioOutcome[]): ScenarioCounts {
  const counts = { landed: 0, partial: 0, failed: 0, skipped: 0 };
  for (const scenario of scenarios) counts[scenario.outcome] += 1;
  return counts;
}

function outputOf(scenario: ScenarioOutcome): RunOutput | null {
  if (scenario.outcome !== 'landed' && scenario.outcome !== 'partial') return null;
  if (!scenario.outputKey || !scenario.manifestKey || !scenario.generationId) return null;
  return {
    scenario: scenario.scenario,
    generationId: scenario.generationId,
    jobId: scenario.jobId,
    outputKey: scenario.outputKey,
    manifestKey: scenario.manifestKey,
    format: scenario.format ?? '',
    rowsGenerated: scenario.rowsGenerated ?? 0,
    partial: scenario.outcome === 'partial',
    bytes: scenario.bytes,
  };
}

/**
 * The run's status from its scenarios: FAILED when none landed and something failed (or the run
 * failed outside any scenario), PARTIAL when some landed and some did not, SUCCEEDED otherwise.
 */
export function runStatusOf(
  counts: ScenarioCounts,
  runLevelFailure: boolean,
): 'SUCCEEDED' | 'PARTIAL' | 'FAILED' {
  const landed = counts.landed + counts.partial;
  if (runLevelFailure) return landed > 0 ? 'PARTIAL' : 'FAILED';
  if (counts.failed === 0) return 'SUCCEEDED';
  return landed > 0 ? 'PARTIAL' : 'FAILED';
}

function failedOutcome(input: RecordRunInput, scenario: string, runFailure: RunFailure): ScenarioOutcome {
  return {
    runId: input.runId,
    scenario,
    outcome: 'failed',
    executionArn: input.executionArn ?? null,
    generationId: null,
    jobId: null,
    outputKey: null,
    manifestKey: null,
    format: null,
    rowsRequested: null,
    rowsGenerated: null,
    bytes: null,
    failure: runFailure,
    reason: null,
    recordedAt: '',
    eventPublishedAt: null,
  };
}

/**
 * Outcomes without their own item: scenarios refused before any vendor call (recorded on the run
 * by ResolveScenarios), and scenarios the Map reported without a record (should not happen).
 */
function outcomesWithoutItems(
  input: RecordRunInput,
  recorded: readonly ScenarioOutcome[],
  rejected: readonly ScenarioRejection[],
): ScenarioOutcome[] {
  const names = new Set(recorded.map((s) => s.scenario));
  const out: ScenarioOutcome[] = [];
  for (const r of rejected) {
    if (names.has(r.name)) continue;
    names.add(r.name);
    const refused = failure(r.code, r.message, { dataset_id: input.state.dataset?.datasetId ?? null });
    out.push(
      failedOutcome(
        input,
        r.name,
        toRunFailure({ Error: 'InputValidationError', Cause: JSON.stringify(refused) }, null),
      ),
    );
  }
  for (const r of input.state.results ?? []) {
    if (names.has(r.scenario)) continue;
    const cause = `Scenario "${r.scenario}" has no record.`;
    out.push(
      failedOutcome(input, r.scenario, toRunFailure({ Error: 'ScenarioNotRecorded', Cause: cause }, null)),
    );
  }
  return out;
}

/** Records the run's final status and, for a run-level failure, its event. */
export async function recordRun(input: RecordRunInput, deps: RecordRunDeps): Promise<RecordRunResult> {
  const { state } = input;
  const base: RunContext = {
    runId: input.runId,
    kind: input.kind,
    feed: state.feed ?? null,
    executionArn: input.executionArn ?? null,
    datasetId: state.dataset?.datasetId ?? null,
    seed: state.seed ?? null,
  };
  if (input.outcome === 'skipped') return recordSkippedRun(input, base, deps);
  if (input.outcome === 'succeeded' && (!state.results || !base.feed)) {
    throw new InputValidationError(
      failure('invalid_input', 'A finished run needs state.feed and state.results (the Map output).'),
    );
  }
  const recorded = await deps.repo.scenarioOutcomes.list(input.runId);
  const rejected = (await deps.repo.getRunHeader(input.runId))?.rejectedScenarios ?? [];
  const unrecorded = outcomesWithoutItems(input, recorded, rejected);
  const scenarios = [...recorded, ...unrecorded];
  const counts = countOutcomes(scenarios);
  const runLevel =
    input.outcome === 'failed'
      ? toRunFailure(state.error ?? { Error: 'States.Unknown', Cause: null }, base.datasetId)
      : null;
  const status = runStatusOf(counts, runLevel !== null);
  const firstFailed = scenarios.find((s) => s.outcome === 'failed')?.failure ?? null;
  const runFailure = status === 'SUCCEEDED' ? null : (runLevel ?? firstFailed);
  const outputs = scenarios.map(outputOf).filter((o): o is RunOutput => o !== null);
  const run = await deps.repo.finishRun({
    ...base,
    redriveCount: input.redriveCount ?? 0,
    status,
    outputs,
    failure: runFailure,
    scenarioCounts: counts,
  });
  const events: PipelineEvent[] = [];
  const feed = base.feed;
  if (feed) {
    for (const s of unrecorded) {
      if (s.failure) {
        events.push(
          scenarioFailedEvent({ ...base, feed }, { name: s.scenario, outcome: 'failed', failure: s.failure }),
        );
      }
    }
  }
  events.push(
    runFinishedEvent(base, {
      status,
      landed: counts.landed + counts.partial,
      failed: counts.failed,
      failure: runLevel ?? (status === 'FAILED' ? runFailure : null),
      finishedAt: run.finishedAt ?? run.updatedAt,
    }),
  );
  const published = await sendOnce(run, events, deps);
  // The feed has its dataset now (ResolveScenarios recorded it): its schedules can start.
  const schedules =
    input.kind === 'ingest' && feed && base.datasetId && status !== 'FAILED' && deps.schedules
      ? await enableFeedSchedules(feed, deps.schedules.byFeed, deps.schedules.scheduler)
      : undefined;
  const failedNames = scenarios.filter((s) => s.outcome === 'failed').map((s) => s.scenario);
  return {
    runId: input.runId,
    status: run.status,
    eventsPublished: published,
    code: runFailure?.code ?? null,
    error:
      status === 'SUCCEEDED'
        ? null
        : status === 'PARTIAL'
          ? 'RunPartiallyFailed'
          : (runFailure?.error ?? null),
    cause:
      status === 'SUCCEEDED'
        ? null
        : status === 'PARTIAL'
          ? `${counts.landed + counts.partial} scenario(s) landed; not landed: ${failedNames.join(', ') || 'the run failed outside any scenario'} (${runFailure?.code ?? 'unknown'}).`
          : JSON.stringify(runFailure),
    counts,
    ...(schedules ? { schedules } : {}),
  };
}

/**
 * A scheduled generation with nothing to generate from: the run is SKIPPED with its reason, and
 * its Run Finished event says so. The execution then succeeds: nothing failed, no alarm fires.
 */
async function recordSkippedRun(
  input: RecordRunInput,
  base: RunContext,
  deps: RecordRunDeps,
): Promise<RecordRunResult> {
  const skip = input.state.skipped;
  if (!skip) {
    throw new InputValidationError(
      failure('invalid_input', 'A skipped run needs state.skipped ({ code, reason }) from PrepareFeed.'),
    );
  }
  const counts = { landed: 0, partial: 0, failed: 0, skipped: 0 };
  const run = await deps.repo.finishRun({
    ...base,
    redriveCount: input.redriveCount ?? 0,
    status: 'SKIPPED',
    outputs: [],
    failure: null,
    skip,
    scenarioCounts: counts,
  });
  const event = runFinishedEvent(base, {
    status: 'SKIPPED',
    landed: 0,
    failed: 0,
    failure: null,
    skip,
    finishedAt: run.finishedAt ?? run.updatedAt,
  });
  return {
    runId: input.runId,
    status: run.status,
    eventsPublished: await sendOnce(run, [event], deps),
    code: skip.code,
    error: null,
    cause: null,
    counts,
  };
}

/** Sends what the run has not announced yet; returns how many events this call sent. */
async function sendOnce(
  run: RunRecord,
  events: readonly PipelineEvent[],
  deps: RecordRunDeps,
): Promise<number> {
  if (run.eventsPublishedAt) return 0;
  let published = false;
  const { sent } = await publishEvents(deps.eventBridge, deps.eventBusName, events, {
    alreadySent: run.eventsSent ? [...run.eventsSent] : [],
    onSent: (ids) => deps.repo.markEventsSent(run.runId, ids),
    // The last call's ids are recorded with the run's "published" mark, in one write.
    onAllSent: async (ids) => {
      await deps.repo.markEventsPublished(run.runId, ids);
      published = true;
    },
  });
  if (!published) await deps.repo.markEventsPublished(run.runId);
  return sent.length;
}
