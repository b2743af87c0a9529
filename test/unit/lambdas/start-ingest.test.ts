import { context, fixture } from '../../support/lambda-env.ts';
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/start-ingest.ts';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBDocumentClient);
const events = mockClient(EventBridgeClient);

/** The details of every event sent, by detail type. */
function sentEvents(): { detailType: string; detail: Record<string, unknown> }[] {
  return events.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => {
      expect(entry).toMatchObject({ EventBusName: 'pipeline-bus', Source: 'simulacra.pipeline' });
      return {
        detailType: entry.DetailType ?? '',
        detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
      };
    }),
  );
}

beforeEach(() => {
  s3.reset();
  sfn.reset();
  ddb.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  s3.on(HeadObjectCommand).resolves({
    ContentLength: 52431,
    ETag: '"b1946ac9"',
    VersionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
  });
  s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'owner', Value: 'acme' }] });
  s3.on(PutObjectTaggingCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
});

describe('start-ingest handler', () => {
  it('starts one ingest execution named after the seed version', async () => {
    const out = await handler(await fixture('s3-object-created-seed.json'), context);
    expect(out).toMatchObject({ outcome: 'started', executionArn: 'arn:exec' });
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(process.env.INGEST_STATE_MACHINE_ARN);
    expect(call.name).toMatch(/^ingest-retail-panel-[0-9a-f]{40}$/);
    expect(JSON.parse(call.input!)).toEqual({
      feed: 'retail-panel',
      seed: {
        bucket: 'acme-seeds',
        key: 'seeds/retail-panel/panel-2026-05.csv',
        versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        etag: '"b1946ac9"',
        size: 52431,
        eventTime: '2026-05-01T17:30:00Z',
      },
    });
    const runPut = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(runPut.Item).toMatchObject({ pk: `RUN#${call.name}`, status: 'QUEUED', feed: 'retail-panel' });
    expect(runPut.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(sentEvents()).toEqual([
      {
        detailType: 'Seed Accepted',
        detail: expect.objectContaining({
          runId: call.name,
          feed: 'retail-panel',
          executionArn: 'arn:exec',
          eventId: expect.stringMatching(/^evt_[0-9a-f]{40}$/),
        }),
      },
    ]);
  });

  it('treats ExecutionAlreadyExists as a duplicate event', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const out = await handler(await fixture('s3-object-created-seed.json'), context);
    expect(out).toMatchObject({ outcome: 'duplicate' });
    // Announced again under the same id: the first delivery may have stopped before its event.
    const [accepted] = sentEvents();
    expect(accepted?.detail).toMatchObject({ executionArn: null });
    events.resetHistory();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec' });
    await handler(await fixture('s3-object-created-seed.json'), context);
    expect(sentEvents()[0]?.detail.eventId).toBe(accepted?.detail.eventId);
  });

  it.each([
    ['s3-object-created-outside-prefix.json', 'outside_seed_prefix'],
    ['s3-object-created-unsupported.json', 'unsupported_type'],
  ])('rejects %s, records the reason and tags the object', async (file, code) => {
    const out = await handler(await fixture(file), context);
    expect(out).toMatchObject({ outcome: 'rejected', code });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const run = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(run).toMatchObject({ status: 'REJECTED', rejection: { code } });
    const tags = s3.commandCalls(PutObjectTaggingCommand)[0]!.args[0].input.Tagging!.TagSet;
    expect(tags).toEqual([
      { Key: 'owner', Value: 'acme' },
      { Key: 'simulacra:status', Value: 'rejected' },
      { Key: 'simulacra:reason', Value: code },
    ]);
    expect(sentEvents()).toEqual([
      {
        detailType: 'Seed Rejected',
        detail: expect.objectContaining({
          runId: (out as { runId: string }).runId,
          rejection: expect.objectContaining({ code }),
        }),
      },
    ]);
  });

  it('indexes a seed under an invalid feed name by its folder and says the rule and a valid name', async () => {
    const event = (await fixture('s3-object-created-seed.json')) as {
      detail: { object: { key: string } };
    };
    event.detail.object.key = 'seeds/Retail.EU/panel.csv';
    const out = await handler(event, context);
    expect(out).toMatchObject({ outcome: 'rejected', code: 'invalid_feed_name' });
    const reason = (out as { reason: string }).reason;
    expect(reason).toContain('feed name "Retail.EU" is invalid: use 1-63 lower-case');
    expect(reason).toContain('e.g. "retail-eu"');
    const index = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item!)
      .find((item) => String(item.sk).startsWith('RUN#2'));
    expect(index?.pk).toBe('FEED#Retail.EU');
    expect(sentEvents()[0]?.detail).toMatchObject({ feed: null, folder: 'Retail.EU' });
  });

  it('rejects zero-byte seeds using the size S3 reports', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 0, ETag: '"d41d8cd9"' });
    const out = await handler(await fixture('s3-object-created-empty.json'), context);
    expect(out).toMatchObject({ outcome: 'rejected', code: 'empty_file' });
  });

  it('ignores scenarios.json drops (they are not seeds)', async () => {
    const out = await handler(await fixture('s3-object-created-scenarios.json'), context);
    expect(out).toMatchObject({ outcome: 'ignored' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('records objects deleted before they could be read', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Not Found'), { name: 'NotFound' }));
    ddb.on(GetCommand).resolves({});
    const out = await handler(await fixture('s3-object-created-seed.json'), context);
    expect(out).toMatchObject({ outcome: 'rejected', code: 'object_missing' });
    expect(sentEvents().map((e) => e.detailType)).toEqual(['Seed Rejected']);
  });

  it('refuses malformed events with a clear error', async () => {
    await expect(handler({ 'detail-type': 'Object Deleted' }, context)).rejects.toMatchObject({
      name: 'InputValidationError',
    });
  });
});
