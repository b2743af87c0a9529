import { context, fixture } from '../../support/lambda-env.ts';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/record-run.ts';
import { seed } from '../../support/fake-vendor-api.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);

beforeEach(() => {
  ddb.reset();
  events.reset();
  ddb.on(PutCommand).resolves({});
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
              feed: 'retail-panel',
              kind: 'ingest',
            },
          }
        : {},
    );
  events.on(PutEventsCommand).callsFake(acceptAll);
});

/** PutEvents accepting every entry of the call. */
function acceptAll(input: { Entries?: unknown[] }) {
  return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e${i}` })) };
}

/** Every entry sent, in order, with its detail parsed. */
function sent(): { detailType: string; detail: Record<string, unknown> }[] {
  return events.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      detailType: entry.DetailType ?? '',
      detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
    })),
  );
}

const succeeded = {
  outcome: 'succeeded',
  kind: 'ingest',
  runId: 'r',
  executionArn: 'arn:exec',
  state: {
    feed: 'retail-panel',
    seed,
    dataset: { datasetId: 'ds_1' },
    results: [
      {
        resolved: { scenario: { name: 'base', row_count: 1000 } },
        generation: { generationId: 'gen_1', jobId: 'job_g1' },
        landed: {
          outputKey: 'synthetic/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.parquet',
          manifestKey: '_manifests/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.json',
          rowsGenerated: 900,
          rowsRequested: 1000,
          partial: true,
          format: 'parquet',
          bytes: 1234,
          dt: '2026-05-01',
        },
      },
    ],
  },
};

describe('record-run handler', () => {
  it('records a failure with the vendor code, request id and ids, and emits one Run Finished (FAILED)', async () => {
    const out = await handler(await fixture('sfn-record-failure-input.json'), context);
    expect(out).toMatchObject({
      status: 'FAILED',
      eventsPublished: 1,
      code: 'simio_unknown_condition_column',
    });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toContain('attribute_not_exists(#status)');
    expect(update.ExpressionAttributeValues![':failure']).toMatchObject({
      error: 'VendorTerminalError',
      code: 'simio_unknown_condition_column',
      status: 400,
      request_id: 'req_9f8e7d',
      dataset_id: 'ds_7Hq2',
      operation: 'createGeneration',
    });
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      EventBusName: 'pipeline-bus',
      Source: 'simulacra.pipeline',
      DetailType: 'Run Finished',
    });
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      feed: 'retail-panel',
      status: 'FAILED',
      failure: {
        code: 'simio_unknown_condition_column',
        request_id: 'req_9f8e7d',
        dataset_id: 'ds_7Hq2',
      },
      seed: { bucket: 'acme-seeds', key: 'seeds/retail-panel/panel-2026-05.csv' },
    });
  });

  it('records a success and publishes one Scenario Landed per landed scenario, then Run Finished', async () => {
    const out = await handler(succeeded, context);
    expect(out).toMatchObject({ status: 'SUCCEEDED', eventsPublished: 2 });
    const [landedEvent, finished] = sent();
    expect(landedEvent).toMatchObject({
      detailType: 'Scenario Landed',
      detail: {
        runId: 'r',
        scenario: 'base',
        datasetId: 'ds_1',
        generationId: 'gen_1',
        jobId: 'job_g1',
        outputKey: succeeded.state.results[0]!.landed.outputKey,
        partial: true,
        rowsGenerated: 900,
      },
    });
    expect(finished).toMatchObject({
      detailType: 'Run Finished',
      detail: { status: 'SUCCEEDED', scenarios: { landed: 1, failed: 0 }, failure: null },
    });
    const recorded = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.UpdateExpression === 'ADD eventsSent :ids');
    expect(
      recorded.flatMap((input) => [...(input.ExpressionAttributeValues![':ids'] as Set<string>)]),
    ).toEqual([landedEvent!.detail.eventId, finished!.detail.eventId]);
  });

  it('re-sends only the entries EventBridge refused, and records the accepted ones', async () => {
    let calls = 0;
    events.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      calls += 1;
      if (calls > 1) return acceptAll(input);
      return { FailedEntryCount: 1, Entries: [{ EventId: 'e0' }, { ErrorCode: 'InternalFailure' }] };
    });
    const out = await handler(succeeded, context);
    expect(out).toMatchObject({ eventsPublished: 2 });
    const batches = events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(batches.map((batch) => batch.map((entry) => entry.DetailType))).toEqual([
      ['Scenario Landed', 'Run Finished'],
      ['Run Finished'],
    ]);
  });

  it('a retried Task sends only the events not yet accepted', async () => {
    await handler(succeeded, context);
    const [landedEvent] = sent();
    events.resetHistory();
    ddb.on(UpdateCommand).callsFake((input: { UpdateExpression: string }) => {
      if (input.UpdateExpression.startsWith('SET #status')) {
        throw new ConditionalCheckFailedException({ message: 'final', $metadata: {} });
      }
      return {};
    });
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        status: 'SUCCEEDED',
        feed: 'retail-panel',
        kind: 'ingest',
        startedAt: '2026-05-01T17:30:00Z',
        finishedAt: '2026-05-01T17:40:00Z',
        eventsSent: new Set([String(landedEvent!.detail.eventId)]),
      },
    });
    const out = await handler(succeeded, context);
    expect(out).toMatchObject({ eventsPublished: 1 });
    expect(sent().map((e) => e.detailType)).toEqual(['Run Finished']);
  });

  it('does not resend events when replayed after they went out', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'done', $metadata: {} }));
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        status: 'FAILED',
        eventsPublishedAt: '2026-05-01T18:00:00Z',
      },
    });
    const out = await handler(await fixture('sfn-record-failure-input.json'), context);
    expect(out).toMatchObject({ status: 'FAILED', eventsPublished: 0 });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('fails the Task (retryable) when EventBridge keeps refusing an entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(handler(await fixture('sfn-record-failure-input.json'), context)).rejects.toMatchObject({
      name: 'AwsRetryableError',
    });
  });
});
