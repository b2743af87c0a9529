/**
 * Finishes a run: the final record in DynamoDB (conditional, replay-safe), then its EventBridge
 * events ("Scenario Landed" per landed scenario and one "Run Finished"). Delivery is at least
 * once: the events go out after the record is final and before it is marked published, each
 * accepted id is recorded on the run, and a retried Task re-sends only what was not accepted.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { InputValidationError, failure, parseFailureCause } from '../contracts/state-errors.ts';
import type { RunFailure, RunOutput, RunRecord } from '../state/records.ts';
import type { StateRepository } from '../state/repository.ts';
import {
  runFinishedEvent,
  scenarioLandedEvent,
  type PipelineEvent,
  type RunContext,
} from '../events/entries.ts';
import { publishEvents } from '../events/publish.ts';
import { seedObjectSchema } from './seed-object.ts';

/** One Map iteration's final state, as the state machines leave it. */
const scenarioResultSchema = z.looseObject({
  resolved: z.looseObject({ scenario: z.looseObject({ name: z.string().min(1) }) }),
  generation: z.looseObject({ generationId: z.string().min(1), jobId: z.string().nullable().optional() }),
  landed: z.looseObject({
    outputKey: z.string().min(1),
    manifestKey: z.string().min(1),
    format: z.string().min(1),
    rowsGenerated: z.number().int().nonnegative(),
    partial: z.boolean(),
    bytes: z.number().int().nonnegative().nullable().optional(),
  }),
});

/**
 * The RecordSuccess / RecordFailure task input: the outcome, the execution's identity and the
 * whole execution state (`$`), whose optional parts depend on how far the run got.
 */
export const recordRunInputSchema = z.object({
  outcome: z.enum(['succeeded', 'failed']),
  kind: z.enum(['ingest', 'generate']),
  runId: z.string().min(1),
  executionArn: z.string().nullable().optional(),
  state: z.looseObject({
    feed: z.string().min(1).nullable().optional(),
    seed: seedObjectSchema.nullable().optional(),
    dataset: z
      .looseObject({ datasetId: z.string().min(1) })
      .nullable()
      .optional(),
    results: z.array(scenarioResultSchema).optional(),
    /** What a Catch stored: `{ Error, Cause }`. */
    error: z
      .object({ Error: z.string().nullable().optional(), Cause: z.string().nullable().optional() })
      .optional(),
  }),
});
export type RecordRunInput = z.infer<typeof recordRunInputSchema>;

export interface RecordRunDeps {
  readonly repo: StateRepository;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
}

export interface RecordRunResult {
  readonly runId: string;
  readonly status: RunRecord['status'];
  readonly eventsPublished: number;
  /** For failures: the recorded code, so the Fail state and callers can show it. */
  readonly code: string | null;
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

/** Records the outcome and emits the events. */
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
  if (input.outcome === 'succeeded') {
    if (!state.results || !base.feed) {
      throw new InputValidationError(
        failure('invalid_input', 'A succeeded run needs state.feed and state.results (the Map output).'),
      );
    }
    const outputs: RunOutput[] = state.results.map((r) => ({
      scenario: r.resolved.scenario.name,
      generationId: r.generation.generationId,
      jobId: r.generation.jobId ?? null,
      outputKey: r.landed.outputKey,
      manifestKey: r.landed.manifestKey,
      format: r.landed.format,
      rowsGenerated: r.landed.rowsGenerated,
      partial: r.landed.partial,
      bytes: r.landed.bytes ?? null,
    }));
    const run = await deps.repo.finishRun({ ...base, status: 'SUCCEEDED', outputs });
    const events = [
      ...outputs.map((output) => scenarioLandedEvent({ ...base, feed: base.feed as string }, output)),
      runFinishedEvent(base, {
        status: 'SUCCEEDED',
        landed: outputs.length,
        failed: 0,
        failure: null,
        finishedAt: run.finishedAt ?? run.updatedAt,
      }),
    ];
    const published = await sendOnce(run, events, deps);
    return { runId: input.runId, status: run.status, eventsPublished: published, code: null };
  }
  const runFailure = toRunFailure(state.error ?? { Error: 'States.Unknown', Cause: null }, base.datasetId);
  const run = await deps.repo.finishRun({ ...base, status: 'FAILED', failure: runFailure });
  const finished = runFinishedEvent(base, {
    status: 'FAILED',
    landed: 0,
    failed: 0,
    failure: runFailure,
    finishedAt: run.finishedAt ?? run.updatedAt,
  });
  const published = await sendOnce(run, [finished], deps);
  return { runId: input.runId, status: run.status, eventsPublished: published, code: runFailure.code };
}

/** Sends what the run has not announced yet; returns how many events this call sent. */
async function sendOnce(
  run: RunRecord,
  events: readonly PipelineEvent[],
  deps: RecordRunDeps,
): Promise<number> {
  if (run.eventsPublishedAt) return 0;
  const { sent } = await publishEvents(deps.eventBridge, deps.eventBusName, events, {
    alreadySent: run.eventsSent ? [...run.eventsSent] : [],
    onSent: (ids) => deps.repo.markEventsSent(run.runId, ids),
  });
  await deps.repo.markEventsPublished(run.runId);
  return sent.length;
}
