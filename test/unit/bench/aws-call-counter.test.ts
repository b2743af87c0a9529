/**
 * The scale benchmark's count of the handlers' AWS calls: every call of a client built by the
 * handlers' client modules, by `Service:Operation` and by the function (container) it ran in, and
 * the failed ones apart by error, so a breakdown shows where the calls of a run go.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countAwsCalls } from '../../../bench/aws-call-counter.ts';
import { lazyClient } from '../../../lambdas/commons/clients/lazy.ts';
import { runInContainer } from '../../../lambdas/commons/container.ts';

/** A DynamoDB endpoint that fails conditional writes and answers every other call with `{}`. */
const answering = {
  handle: (request: { headers: Record<string, string> }) => {
    const refused = String(request.headers['x-amz-target']).endsWith('UpdateItem');
    const body = refused
      ? { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'no' }
      : {};
    return Promise.resolve({
      response: {
        statusCode: refused ? 400 : 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Readable.from([Buffer.from(JSON.stringify(body))]),
      },
    });
  },
};
const client = lazyClient(
  () =>
    new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: answering,
      maxAttempts: 1,
    }),
);

describe('countAwsCalls', () => {
  it('counts calls by operation and function, failed ones also apart by error', async () => {
    const counter = countAwsCalls();
    counter.reset();
    const key = { pk: { S: 'a' }, sk: { S: 'b' } };
    const get = () => client().send(new GetItemCommand({ TableName: 't', Key: key }));
    const update = () =>
      client().send(new UpdateItemCommand({ TableName: 't', Key: key, UpdateExpression: 'SET x = :x' }));
    await runInContainer('UploadSeed', async () => {
      await get();
      await get();
      await expect(update()).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    });
    await runInContainer('PollJob', get);
    expect(counter.calls()).toBe(4);
    expect(counter.byOperation()).toEqual({ 'DynamoDB:GetItem': 3, 'DynamoDB:UpdateItem': 1 });
    expect(counter.byFunction()).toEqual({ UploadSeed: 3, PollJob: 1 });
    expect(counter.byFunctionOperation()).toEqual({
      'UploadSeed DynamoDB:GetItem': 2,
      'PollJob DynamoDB:GetItem': 1,
      'UploadSeed DynamoDB:UpdateItem': 1,
    });
    expect(counter.failures()).toEqual({
      'UploadSeed DynamoDB:UpdateItem ConditionalCheckFailedException': 1,
    });
    counter.reset();
    expect(counter.calls()).toBe(0);
    expect(counter.byOperation()).toEqual({});
    expect(counter.failures()).toEqual({});
  });
});
