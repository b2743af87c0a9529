import { context, fixture } from './env.ts';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/record-run.ts';
import { seed } from '../pipeline/fake-api.ts';

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
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
});

const landed = {
  outputKey: 'synthetic/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.parquet',
  manifestKey: '_manifests/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.json',
  rowsGenerated: 900,
  rowsRequested: 1000,
  partial: true,
  format: 'parquet',
  bytes: 1234,
  dt: '2026-05-01',
};

describe('record-run handler', () => {
  it('records a failure with the vendor code, request id and ids, and emits one failed event', async () => {
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
      DetailType: 'Synthetic Dataset Failed',
    });
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      feed: 'retail-panel',
      code: 'simio_unknown_condition_column',
      request_id: 'req_9f8e7d',
      dataset_id: 'ds_7Hq2',
      seed: { bucket: 'acme-seeds', key: 'seeds/retail-panel/panel-2026-05.csv' },
    });
  });

  it('records a success and publishes one event per landed scenario', async () => {
    const out = await handler(
      {
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
              landed,
            },
          ],
        },
      },
      context,
    );
    expect(out).toMatchObject({ status: 'SUCCEEDED', eventsPublished: 1 });
    const detail = JSON.parse(events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail).toMatchObject({
      runId: 'r',
      scenario: 'base',
      datasetId: 'ds_1',
      generationId: 'gen_1',
      jobId: 'job_g1',
      outputKey: landed.outputKey,
      partial: true,
      rowsGenerated: 900,
    });
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

  it('retries when EventBridge rejects an entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(handler(await fixture('sfn-record-failure-input.json'), context)).rejects.toMatchObject({
      name: 'AwsRetryableError',
    });
  });
});
