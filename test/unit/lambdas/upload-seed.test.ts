import { context } from '../../support/lambda-env.ts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { metrics } from '../../../lambdas/commons/observability.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import { handler } from '../../../lambdas/upload-seed.ts';
import type { CreateDatasetInput } from '../../../src/client/contract.ts';
import { fakeApi, meta, seed, trainingDataset } from '../../support/fake-vendor-api.ts';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const input = { runId: 'ingest-retail-panel-abc', feed: 'retail-panel', seed };
const SCENARIO_KEY = 'seeds/retail-panel/scenarios.json';

beforeEach(() => {
  s3.reset();
  ddb.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  s3.on(GetObjectCommand).callsFake(() => ({ Body: Readable.from([Buffer.from('a,b\n1,2\n')]) }));
  s3.on(GetObjectCommand, { Key: SCENARIO_KEY }).rejects(
    Object.assign(new Error('no key'), { name: 'NoSuchKey' }),
  );
});
afterEach(() => {
  resetVendorClientForTests();
  vi.restoreAllMocks();
});

const training = trainingDataset;

describe('upload-seed handler', () => {
  it('streams the pinned seed version with a deterministic Idempotency-Key and records the dataset', async () => {
    let body = '';
    const api = fakeApi({
      createDataset: async (req: CreateDatasetInput) => {
        for await (const chunk of await req.seed.open()) body += String(chunk);
        return training;
      },
    });
    setVendorClientForTests(api);
    const out = await handler(input, context);
    expect(out).toMatchObject({
      datasetId: 'ds_1',
      jobId: 'job_train1',
      poll: { status: 'running', jobId: 'job_train1', attempt: 0 },
    });
    expect(body).toBe('a,b\n1,2\n');
    const req = api.createDataset.mock.calls[0]![0];
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toMatchObject({ Key: SCENARIO_KEY });
    expect(req.idempotencyKey).toMatch(/^ds-[0-9a-f]{64}$/);
    expect(req.seed).toMatchObject({ filename: 'panel-2026-05.csv', contentType: 'text/csv', size: 52431 });
    expect(s3.commandCalls(GetObjectCommand)[1]!.args[0].input).toMatchObject({ VersionId: 'v1' });
    const upload = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(upload).toMatchObject({
      pk: 'FEED#retail-panel',
      datasetId: 'ds_1',
      idempotencyKey: req.idempotencyKey,
    });
    // Same seed again (e.g. a Step Functions retry): same key.
    await handler(input, context);
    expect(api.createDataset.mock.calls[1]![0].idempotencyKey).toBe(req.idempotencyKey);
  });

  it('uploads on the backoff schedule when the deployment prior cannot be read', async () => {
    setVendorClientForTests(fakeApi({ createDataset: () => Promise.resolve(training) }));
    const addMetric = vi.spyOn(metrics, 'addMetric');
    ddb.on(GetCommand, { Key: { pk: 'DEPLOYMENT', sk: 'JOBS#training' } }).rejects(new Error('Throttled'));
    const out = (await handler(input, context)) as { poll: { nextWaitSeconds: number } };
    expect(out).toMatchObject({ datasetId: 'ds_1', poll: { status: 'running', estimate: null } });
    // The training policy's first wait: 15 s with jitter.
    expect(out.poll.nextWaitSeconds).toBeGreaterThanOrEqual(13);
    expect(out.poll.nextWaitSeconds).toBeLessThanOrEqual(17);
    expect(addMetric).toHaveBeenCalledWith('JobPriorReadFailures', 'Count', 1);
    expect(addMetric).toHaveBeenCalledWith('SeedsUploaded', 'Count', 1);
  });

  it('leaves the loop at once when training finished synchronously', async () => {
    setVendorClientForTests(
      fakeApi({
        createDataset: () =>
          Promise.resolve({
            dataset_id: 'ds_2',
            status: 'ready',
            request_id: 'req_2',
            job_id: null,
            expires_at: '2026-05-02T17:30:00Z',
            cleaning_summary: null,
            training_summary: null,
            meta,
          }),
      }),
    );
    expect(await handler(input, context)).toMatchObject({ datasetId: 'ds_2', poll: { status: 'completed' } });
  });

  it('fails terminally when the seed version is gone', async () => {
    s3.on(GetObjectCommand, { Key: seed.key }).rejects(
      Object.assign(new Error('gone'), { name: 'NoSuchVersion' }),
    );
    setVendorClientForTests(
      fakeApi({
        createDataset: async (req: CreateDatasetInput) => {
          await req.seed.open();
          throw new Error('unreachable');
        },
      }),
    );
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(JSON.parse(err.message)).toMatchObject({ code: 'seed_missing' });
  });

  it('keeps a 400 that is not about the version (a disabled KMS key) as its own error, not seed_missing', async () => {
    s3.on(GetObjectCommand, { Key: seed.key }).rejects(
      Object.assign(new Error('The ciphertext refers to a customer master key that is disabled'), {
        name: 'KMS.DisabledException',
        Code: 'KMS.DisabledException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    setVendorClientForTests(
      fakeApi({
        createDataset: async (req: CreateDatasetInput) => {
          await req.seed.open();
          throw new Error('unreachable');
        },
      }),
    );
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('seed_missing');
    expect(err.message).not.toMatch(/Drop the file again/);
  });

  it('checks the scenario file before uploading: a malformed one buys no training', async () => {
    s3.on(GetObjectCommand, { Key: SCENARIO_KEY }).resolves({
      Body: {
        transformToString: () =>
          Promise.resolve('{"scenarios": [{"name": "Bad Name", "row_count": 0, "output_format": "xlsx"}]}'),
      } as never,
    });
    const api = fakeApi({});
    setVendorClientForTests(api);
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InputValidationError');
    const details = JSON.parse(err.message) as { code: string; detail: string };
    expect(details.code).toBe('invalid_scenario_file');
    expect(details.detail).toMatch(/scenarios\[0\]\.name/);
    expect(details.detail).toMatch(/scenarios\[0\]\.row_count/);
    expect(details.detail).toMatch(/no vendor training was started/);
    expect(api.createDataset).not.toHaveBeenCalled();
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('reuses the live dataset of identical bytes: no upload, the run recorded as a duplicate', async () => {
    const sha256 = createHash('sha256').update('a,b\n1,2\n').digest('hex');
    ddb.on(GetCommand, { Key: { pk: 'FEED#retail-panel', sk: `CONTENT#${sha256}` } }).resolves({
      Item: {
        feed: 'retail-panel',
        sha256,
        datasetId: 'ds_live',
        runId: 'ingest-retail-panel-first',
        keyRunId: 'ingest-retail-panel-first',
        keyDay: new Date().toISOString().slice(0, 10),
        expiresAt: new Date(Date.now() + 20 * 3600_000).toISOString(),
      },
    });
    const api = fakeApi({
      getDataset: () =>
        Promise.resolve({
          dataset_id: 'ds_live',
          status: 'ready',
          request_id: 'req_live',
          created_at: new Date().toISOString(),
          expires_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
          display_name: null,
          cleaning_summary: null,
          training_summary: null,
          meta,
        }),
    });
    setVendorClientForTests(api);
    const out = await handler(input, context);
    expect(out).toMatchObject({
      datasetId: 'ds_live',
      duplicateOf: 'ingest-retail-panel-first',
      poll: { status: 'completed' },
    });
    expect(api.createDataset).not.toHaveBeenCalled();
    const noted = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((u) => u.UpdateExpression?.includes('duplicateOf'));
    expect(noted?.ExpressionAttributeValues).toMatchObject({
      ':sha': sha256,
      ':dup': 'ingest-retail-panel-first',
      ':key': 'ingest-retail-panel-first',
    });
  });

  it('rejects input without a seed', async () => {
    await expect(handler({ runId: 'r', feed: 'f' }, context)).rejects.toMatchObject({
      name: 'InputValidationError',
    });
  });
});
