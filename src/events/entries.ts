/**
 * Builds the pipeline's events (detail plus `eventId`) and their PutEvents entries. Ids are
 * derived from what identifies the outcome, so a re-sent outcome keeps its id and a new outcome
 * (another generation, another execution of the same run id) gets a new one.
 */
import { createHash } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { SeedObject } from '../pipeline/seed-object.ts';
import type { RunFailure, RunKind, RunOutput, RunSkip } from '../state/records.ts';
import {
  DetailType,
  EVENT_SOURCE,
  SCHEMA_VERSIONS,
  seedRef,
  type DetailBase,
  type DetailByType,
  type DetailTypeName,
  type RunFinishedStatus,
  type SeedRejectedDetail,
} from './catalog.ts';

/** One event to send: its detail type, detail and the ARNs it concerns. */
export interface PipelineEvent<T extends DetailTypeName = DetailTypeName> {
  readonly detailType: T;
  readonly detail: DetailByType[T];
  readonly resources: readonly string[];
}

/** `evt_` + 40 hex of sha256 over the detail type and the parts that identify the outcome. */
export function eventId(detailType: DetailTypeName, ...parts: readonly (string | null)[]): string {
  const basis = [detailType, ...parts.map((part) => part ?? '-')].join('\n');
  return `evt_${createHash('sha256').update(basis, 'utf8').digest('hex').slice(0, 40)}`;
}

function base<T extends DetailTypeName>(
  detailType: T,
  runId: string,
  ...parts: readonly (string | null)[]
): DetailBase<T> {
  return {
    schemaVersion: SCHEMA_VERSIONS[detailType],
    eventId: eventId(detailType, runId, ...parts),
    runId,
  };
}

/** The run an event belongs to. */
export interface RunContext {
  readonly runId: string;
  readonly kind: RunKind;
  readonly feed: string | null;
  readonly executionArn: string | null;
  readonly datasetId: string | null;
  readonly seed?: SeedObject | null | undefined;
}

export function seedAcceptedEvent(input: {
  runId: string;
  feed: string;
  seed: SeedObject;
  executionArn: string | null;
  at: string;
}): PipelineEvent<'Seed Accepted'> {
  return {
    detailType: DetailType.seedAccepted,
    detail: {
      ...base(DetailType.seedAccepted, input.runId),
      feed: input.feed,
      seed: seedRef(input.seed),
      executionArn: input.executionArn,
      acceptedAt: input.at,
    },
    resources: input.executionArn ? [input.executionArn] : [],
  };
}

export function seedRejectedEvent(input: {
  runId: string;
  feed: string | null;
  folder: string | null;
  seed: SeedObject;
  rejection: SeedRejectedDetail['rejection'];
  at: string;
}): PipelineEvent<'Seed Rejected'> {
  return {
    detailType: DetailType.seedRejected,
    detail: {
      ...base(DetailType.seedRejected, input.runId),
      feed: input.feed,
      folder: input.folder,
      seed: seedRef(input.seed),
      rejection: { code: input.rejection.code, reason: input.rejection.reason },
      rejectedAt: input.at,
    },
    resources: [],
  };
}

/** One "Scenario Landed" per landed output; the generation id identifies it. */
export function scenarioLandedEvent(
  run: RunContext & { feed: string },
  output: RunOutput,
): PipelineEvent<'Scenario Landed'> {
  return {
    detailType: DetailType.scenarioLanded,
    detail: {
      ...base(DetailType.scenarioLanded, run.runId, output.scenario, output.generationId),
      kind: run.kind,
      feed: run.feed,
      datasetId: run.datasetId,
      seed: seedRef(run.seed),
      scenario: output.scenario,
      generationId: output.generationId,
      jobId: output.jobId,
      outputKey: output.outputKey,
      manifestKey: output.manifestKey,
      format: output.format,
      rowsGenerated: output.rowsGenerated,
      partial: output.partial,
      bytes: output.bytes,
    },
    resources: run.executionArn ? [run.executionArn] : [],
  };
}

/** One "Scenario Failed" per scenario that did not land in this execution. */
export function scenarioFailedEvent(
  run: RunContext & { feed: string },
  scenario: { name: string; outcome: 'failed' | 'skipped'; failure: RunFailure },
): PipelineEvent<'Scenario Failed'> {
  return {
    detailType: DetailType.scenarioFailed,
    detail: {
      ...base(DetailType.scenarioFailed, run.runId, scenario.name, run.executionArn),
      kind: run.kind,
      feed: run.feed,
      datasetId: run.datasetId,
      scenario: scenario.name,
      outcome: scenario.outcome,
      failure: scenario.failure,
    },
    resources: run.executionArn ? [run.executionArn] : [],
  };
}

/** The one "Run Finished" of an execution. */
export function runFinishedEvent(
  run: RunContext,
  outcome: {
    status: RunFinishedStatus;
    landed: number;
    failed: number;
    failure: RunFailure | null;
    skip?: RunSkip | null;
    finishedAt: string;
  },
): PipelineEvent<'Run Finished'> {
  return {
    detailType: DetailType.runFinished,
    detail: {
      ...base(DetailType.runFinished, run.runId, run.executionArn, outcome.status),
      kind: run.kind,
      feed: run.feed,
      status: outcome.status,
      executionArn: run.executionArn,
      datasetId: run.datasetId,
      seed: seedRef(run.seed),
      scenarios: { landed: outcome.landed, failed: outcome.failed },
      failure: outcome.failure,
      skip: outcome.skip ?? null,
      finishedAt: outcome.finishedAt,
    },
    resources: run.executionArn ? [run.executionArn] : [],
  };
}

/** The PutEvents entry of an event on `busName`. */
export function toEntry(busName: string, event: PipelineEvent): PutEventsRequestEntry {
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Resources: [...event.resources],
    Detail: JSON.stringify(event.detail),
  };
}
