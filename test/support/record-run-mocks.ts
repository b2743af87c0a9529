/**
 * The AWS side of the run-record handler's unit tests: DynamoDB, EventBridge and EventBridge
 * Scheduler mocked (reset before each test), every sent event checked against its published
 * schema, and the state-machine inputs the tests start from. Import after lambda-env.ts.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, expect } from 'vitest';
import { asDelivered, eventSchemaProblems } from './event-schemas.ts';
import { seed } from './fake-vendor-api.ts';

export const ddb = mockClient(DynamoDBDocumentClient);
export const events = mockClient(EventBridgeClient);
export const scheduler = mockClient(SchedulerClient);

/** PutEvents accepting every entry of the call. */
export function acceptAll(input: { Entries?: unknown[] }) {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })) };
}

/** Resets the mocks before each test: run `r` exists, every write succeeds, every event is accepted. */
export function useRecordRunMocks(): void {
  beforeEach(() => {
    ddb.reset();
    events.reset();
    scheduler.reset();
    ddb.on(PutCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand).resolves({ Item: { pk: 'RUN#r', sk: 'RUN', runId: 'r', kind: 'ingest', seed } });
    ddb
      .on(UpdateCommand)
      .callsFake((input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> }) =>
        input.UpdateExpression.startsWith('SET #status')
          ? {
              Attributes: {
                pk: 'RUN#r',
                sk: 'RUN',
                runId: 'r',
                status: input.ExpressionAttributeValues[':status'],
                startedAt: '2026-05-01T17:30:00Z',
                finishedAt: '2026-05-01T17:40:00Z',
                updatedAt: '2026-05-01T17:40:00Z',
                feed: 'retail-panel',
                kind: 'ingest',
              },
            }
          : {},
      );
    events.on(PutEventsCommand).callsFake(acceptAll);
  });
}

/** Every entry sent, in order, with its detail parsed; each must match its published schema. */
export function sent(): { detailType: string; detail: Record<string, unknown> }[] {
  const out = events.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      source: entry.Source ?? '',
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
    })),
  );
  for (const entry of out) expect(eventSchemaProblems(asDelivered(entry))).toEqual([]);
  return out;
}

/** One recorded scenario outcome item of run `r`. */
export const scenarioItem = (scenario: string, outcome: string, extra: Record<string, unknown> = {}) => ({
  pk: 'RUN#r',
  sk: `SCENARIO#${scenario}`,
  runId: 'r',
  scenario,
  outcome,
  generationId: `gen_${scenario}`,
  jobId: null,
  outputKey: outcome === 'failed' ? null : `synthetic/${scenario}.parquet`,
  manifestKey: outcome === 'failed' ? null : `_manifests/${scenario}.json`,
  format: 'parquet',
  rowsRequested: 10,
  rowsGenerated: outcome === 'failed' ? null : 10,
  bytes: 5,
  failure: null,
  reason: null,
  recordedAt: '2026-05-01T17:31:00Z',
  eventPublishedAt: '2026-05-01T17:31:00Z',
  ...extra,
});

/** The RecordSuccess input of ingest run `r` whose Map reported scenarios `a` and `b`. */
export const finished = {
  outcome: 'succeeded',
  kind: 'ingest',
  runId: 'r',
  executionArn: 'arn:exec',
  state: {
    feed: 'retail-panel',
    seed,
    dataset: { datasetId: 'ds_1' },
    results: [
      { scenario: 'a', outcome: 'landed' },
      { scenario: 'b', outcome: 'failed' },
    ],
  },
};
