import { context } from '../../support/lambda-env.ts';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/prepare-feed.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import type { Dataset } from '../../../src/client/contract.ts';
import { VendorPacingError } from '../../../src/client/errors.ts';
import { isSkipped, type PreparedFeed } from '../../../src/pipeline/prepare-feed.ts';
import { datasetIdempotencyKey } from '../../../src/pipeline/seed-object.ts';
import { apiError, fakeApi, meta, seed } from '../../support/fake-vendor-api.ts';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const input = { runId: 'gen-run-1', executionArn: 'arn:exec', feed: 'retail-panel' };
const hours = (h: number): string => new Date(Date.now() + h * 3600_000).toISOString();

/** The handler's answer for a feed that has a dataset (never a skip). */
async function prepared(event: Record<string, unknown> = input): Promise<PreparedFeed> {
  const out = await handler(event, context);
  if (isSkipped(out)) throw new Error(`unexpected skip: ${out.skipped.reason}`);
  return out;
}

function dataset(expiresAt: string): Dataset {
  return {
    dataset_id: 'ds_old',
    status: 'ready',
    request_id: 'req_ds',
    created_at: '2026-05-01T17:30:00Z',
    expires_at: expiresAt,
    display_name: null,
    cleaning_summary: null,
    training_summary: null,
    meta,
  };
}

beforeEach(() => {
  s3.reset();
  ddb.reset();
  ddb.on(GetCommand).resolves({
    Item: {
      pk: 'FEED#retail-panel',
      sk: 'FEED',
      feed: 'retail-panel',
      latestSeed: seed,
      datasetId: 'ds_old',
    },
  });
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from('a\n1\n')]) }));
  s3.on(GetObjectCommand, { Key: 'seeds/retail-panel/scenarios.json' }).rejects(
    Object.assign(new Error('no key'), { name: 'NoSuchKey' }),
  );
});
afterEach(() => resetVendorClientForTests());

describe('prepare-feed handler', () => {
  it('reuses a live dataset (the GET slides its expiry) without re-uploading', async () => {
    const api = fakeApi({ getDataset: () => Promise.resolve(dataset(hours(23))) });
    setVendorClientForTests(api);
    const out = await handler(input, context);
    expect(out).toMatchObject({
      feed: 'retail-panel',
      seed,
      dataset: { datasetId: 'ds_old', reused: true, poll: { status: 'completed' } },
    });
    expect(api.createDataset).not.toHaveBeenCalled();
    expect(api.extendDatasetRetention).not.toHaveBeenCalled();
  });

  it('carries the run id and the requested scenarios on in the state', async () => {
    setVendorClientForTests(fakeApi({ getDataset: () => Promise.resolve(dataset(hours(23))) }));
    expect(await handler({ ...input, scenarios: ['premium-heavy'] }, context)).toMatchObject({
      runId: 'gen-run-1',
      scenarios: ['premium-heavy'],
    });
    expect(await handler(input, context)).toMatchObject({ runId: 'gen-run-1', scenarios: [] });
  });

  // SKIPPED: the slot fired before the feed had a dataset, and is delivered again after it got one.
  it.each(['FAILED', 'SKIPPED'])(
    'reopens the %s run of an earlier execution with the same run id',
    async (status) => {
      const runKey = { pk: 'RUN#gen-run-1', sk: 'RUN' };
      const failedRun = {
        ...runKey,
        runId: 'gen-run-1',
        kind: 'generate',
        feed: 'retail-panel',
        status,
      };
      ddb
        .on(PutCommand, { Item: { pk: 'RUN#gen-run-1' } })
        .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
      ddb
        .on(GetCommand, { Key: runKey })
        .resolves({ Item: { ...failedRun, startedAt: '2026-05-01T06:00:00Z' } });
      ddb.on(UpdateCommand, { Key: runKey }).resolves({
        Attributes: { ...failedRun, status: 'RUNNING', startedAt: '2026-05-01T06:00:00Z' },
      });
      setVendorClientForTests(fakeApi({ getDataset: () => Promise.resolve(dataset(hours(23))) }));
      await handler(input, context);
      const reopen = ddb
        .commandCalls(UpdateCommand)
        .map((c) => c.args[0].input)
        .find((i) => i.Key?.pk === 'RUN#gen-run-1');
      expect(reopen).toMatchObject({
        ConditionExpression: 'attribute_exists(pk) AND #status IN (:failed, :skipped)',
        ExpressionAttributeValues: { ':running': 'RUNNING', ':arn': 'arn:exec' },
      });
      expect(reopen?.UpdateExpression).toContain(
        'REMOVE failure, skip, finishedAt, durationMs, eventsPublishedAt',
      );
    },
  );

  it('a run started again keeps the dataset it started with while it lives, though the feed has a newer one', async () => {
    const runKey = { pk: 'RUN#gen-run-1', sk: 'RUN' };
    const doneRun = {
      ...runKey,
      runId: 'gen-run-1',
      kind: 'generate',
      feed: 'retail-panel',
      status: 'SUCCEEDED',
    };
    ddb
      .on(PutCommand, { Item: { pk: 'RUN#gen-run-1' } })
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    ddb.on(GetCommand, { Key: runKey }).resolves({ Item: { ...doneRun, datasetId: 'ds_run', seed } });
    const alive = (id: string) => ({ ...dataset(hours(23)), dataset_id: id });
    const api = fakeApi({ getDataset: (id: string) => Promise.resolve(alive(id)) });
    setVendorClientForTests(api);
    expect((await prepared()).dataset).toMatchObject({ datasetId: 'ds_run', reused: true });
    expect(api.getDataset).toHaveBeenCalledTimes(1);

    // Once the run's dataset is gone, the feed's current one serves the retry.
    api.getDataset.mockImplementation((id: string) =>
      id === 'ds_run'
        ? Promise.reject(apiError(404, 'simio_dataset_not_found', 'gone'))
        : Promise.resolve(alive(id)),
    );
    expect((await prepared()).dataset).toMatchObject({ datasetId: 'ds_old', reused: true });
    expect(api.createDataset).not.toHaveBeenCalled();
  });

  it('extends a dataset close to expiry', async () => {
    const api = fakeApi({
      getDataset: () => Promise.resolve(dataset(hours(2))),
      extendDatasetRetention: () => Promise.resolve(dataset(hours(26))),
    });
    setVendorClientForTests(api);
    const out = await prepared();
    expect(out.dataset).toMatchObject({ datasetId: 'ds_old', reused: true });
    expect(api.extendDatasetRetention).toHaveBeenCalledWith('ds_old');
  });

  it('re-trains from the latest seed when the dataset expired', async () => {
    const api = fakeApi({
      getDataset: () => Promise.reject(apiError(404, 'simio_dataset_not_found', 'gone')),
      createDataset: () =>
        Promise.resolve({
          dataset_id: 'ds_new',
          status: 'processing',
          request_id: 'req_new',
          job_id: 'job_train2',
          expires_at: null,
          cleaning_summary: null,
          training_summary: null,
          meta,
        }),
    });
    setVendorClientForTests(api);
    const out = await prepared();
    expect(out.dataset).toMatchObject({
      datasetId: 'ds_new',
      reused: false,
      replacedDatasetId: 'ds_old',
      poll: { status: 'running', jobId: 'job_train2' },
    });
    const key = api.createDataset.mock.calls[0]![0].idempotencyKey;
    expect(key).toBe(datasetIdempotencyKey(seed, 'ds_old'));
    expect(key).not.toBe(datasetIdempotencyKey(seed));
  });

  it('re-trains when the dataset is at its retention cap with under an hour left', async () => {
    const api = fakeApi({
      getDataset: () => Promise.resolve(dataset(hours(0.5))),
      extendDatasetRetention: () => Promise.reject(apiError(409, 'simio_extend_cap_exceeded', 'cap')),
      createDataset: () =>
        Promise.resolve({
          dataset_id: 'ds_new',
          status: 'ready',
          request_id: 'req_new',
          job_id: null,
          expires_at: hours(24),
          cleaning_summary: null,
          training_summary: null,
          meta,
        }),
    });
    setVendorClientForTests(api);
    expect((await prepared()).dataset).toMatchObject({ datasetId: 'ds_new', reused: false });
  });

  it('leaves a paced re-training upload, or a paced dataset check, to its patient Retry (VendorPacedError)', async () => {
    const gone = () => Promise.reject(apiError(404, 'simio_dataset_not_found', 'gone'));
    for (const api of [
      fakeApi({
        getDataset: gone,
        createDataset: () => Promise.reject(new VendorPacingError('createDataset', 90)),
      }),
      fakeApi({ getDataset: () => Promise.reject(new VendorPacingError('getDataset', 90)) }),
    ]) {
      setVendorClientForTests(api);
      const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
      expect(err.name).toBe('VendorPacedError');
      expect(JSON.parse(err.message)).toMatchObject({ code: 'vendor_paced' });
    }
  });

  it('explains what to do for a feed without a trained seed', async () => {
    ddb.on(GetCommand).resolves({});
    setVendorClientForTests(fakeApi());
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(JSON.parse(err.message)).toMatchObject({ code: 'feed_not_ready' });
    expect(err.message).toContain('seeds/retail-panel/');
  });

  it('skips a scheduled run of a feed without a trained seed: no vendor call, no run record, the reason', async () => {
    ddb.on(GetCommand).resolves({});
    const api = fakeApi();
    setVendorClientForTests(api);
    const out = await handler({ ...input, slot: '2026-05-02T06:00:00Z', scenarios: ['base'] }, context);
    expect(out).toEqual({
      runId: 'gen-run-1',
      feed: 'retail-panel',
      scenarios: ['base'],
      skipped: { code: 'feed_not_ready', reason: expect.stringContaining('seeds/retail-panel/') as string },
    });
    expect(api.getDataset).not.toHaveBeenCalled();
    expect(api.createDataset).not.toHaveBeenCalled();
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});
