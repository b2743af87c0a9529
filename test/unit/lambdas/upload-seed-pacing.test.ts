/**
 * UploadSeed in the shared pacing: a held slot is judged late at the handler's entry, not after
 * the step re-read and hashed its seed; the seed's hash rides through the wait so the re-run does
 * not hash it again; and an attempt retried by the state machine's Retry (`retryCount` > 0) does
 * not send on the slot its failed attempt may already have used. The reuse check's inline
 * `getDataset`, refused behind a deep queue, makes the step wait outside too; once the check has
 * found nothing to reuse, its decision rides through the wait and the re-run skips it. The feed's
 * job history (to place the first poll) is read only by the attempt whose upload was accepted.
 */
import { context } from '../../support/lambda-env.ts';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import { handler } from '../../../lambdas/upload-seed.ts';
import { DynamoDbPacer, RESERVATION_GRACE_MS, VendorPacingError } from '../../../src/client/index.ts';
import type { CreateDatasetInput } from '../../../src/client/contract.ts';
import { seedIdentity } from '../../../src/pipeline/seed-object.ts';
import { fakeApi, seed, trainingDataset } from '../../support/fake-vendor-api.ts';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const input = { runId: 'ingest-retail-panel-abc', feed: 'retail-panel', seed };
const SEED_BYTES = 'a,b\n1,2\n';
const SHA256 = createHash('sha256').update(SEED_BYTES).digest('hex');
const training = trainingDataset;

/** How far the pacer's clock runs ahead of the wall clock: the time the step's reads took. */
let preWorkMs = 0;
/** The pacer's writes to its bucket (a take); a reservation used is none. */
let takes = 0;
const pacer = new DynamoDbPacer({
  tableName: 'state',
  clientId: 'client-a',
  requestsPerSecond: 1,
  burst: 1,
  now: () => Date.now() + preWorkMs,
  sleep: () => Promise.resolve(),
  dynamo: {
    send: () => {
      takes += 1;
      return Promise.resolve({ Attributes: { tat: Date.now() + preWorkMs + 1000 } });
    },
  } as unknown as DynamoDBDocumentClient,
});

beforeEach(() => {
  s3.reset();
  ddb.reset();
  preWorkMs = 0;
  takes = 0;
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  s3.on(GetObjectCommand).callsFake(() => {
    // Each read of the seed (the content hash, the upload stream) is slow: longer than the grace
    // (though within the inline limit after it, past which a held slot is not sent on).
    preWorkMs += RESERVATION_GRACE_MS + 4_000;
    return { Body: Readable.from([Buffer.from(SEED_BYTES)]) };
  });
  s3.on(GetObjectCommand, { Key: 'seeds/retail-panel/scenarios.json' }).rejects(
    Object.assign(new Error('no key'), { name: 'NoSuchKey' }),
  );
  setVendorClientForTests(
    fakeApi({
      createDataset: async (_req: CreateDatasetInput) => {
        await pacer.acquire('createDataset');
        return training;
      },
    }),
  );
});
afterEach(() => resetVendorClientForTests());

const seedReads = () =>
  s3.commandCalls(GetObjectCommand).filter((call) => call.args[0].input.Key === seed.key).length;
const waited = (reservedAt: number) => ({
  seconds: 1,
  reason: 'paced',
  operation: 'createDataset',
  reservedAt,
});

describe('upload-seed in the shared pacing', () => {
  it('sends on its slot when it started on time, however long hashing the seed took', async () => {
    const out = await handler({ ...input, vendorWait: waited(Date.now() + 200) }, context);
    expect(out).toMatchObject({ datasetId: 'ds_1' });
    expect(preWorkMs).toBeGreaterThan(RESERVATION_GRACE_MS);
    expect(takes).toBe(0);
  });

  it('takes a fresh slot when it started later than the grace', async () => {
    const late = Date.now() - RESERVATION_GRACE_MS - 1_000;
    await handler({ ...input, vendorWait: waited(late) }, context);
    expect(takes).toBe(1);
  });

  it('does not reuse the slot on a Step Functions Retry of the step', async () => {
    const carried = { ...input, vendorWait: waited(Date.now() + 200) };
    await handler({ ...carried, retryCount: 0 }, context);
    expect(takes).toBe(0);
    await handler({ ...carried, retryCount: 1 }, context);
    expect(takes).toBe(1);
  });

  it('carries the seed hash through its wait (no rows), so the re-run reads the seed once', async () => {
    // A queue 2 minutes deep: the upload reserves its slot and waits in Step Functions.
    const deep = {
      send: (command: UpdateCommand) =>
        command.input.ConditionExpression?.startsWith('attribute_not_exists')
          ? Promise.reject(Object.assign(new Error('busy'), { name: 'ConditionalCheckFailedException' }))
          : Promise.resolve({ Attributes: { tat: Date.now() + 120_000 } }),
    } as unknown as DynamoDBDocumentClient;
    const queued = new DynamoDbPacer({
      tableName: 'state',
      clientId: 'c',
      requestsPerSecond: 1,
      burst: 1,
      dynamo: deep,
    });
    setVendorClientForTests(
      fakeApi({
        createDataset: async () => {
          await queued.acquire('createDataset');
          return training;
        },
      }),
    );
    const first = (await handler({ ...input, vendorWait: null }, context)) as unknown as {
      vendorWait: Record<string, unknown>;
    };
    expect(first.vendorWait).toMatchObject({
      reason: 'paced',
      seedContent: { identity: seedIdentity(seed), sha256: SHA256, reusable: false },
    });
    expect(Object.keys(first.vendorWait).sort()).toEqual(
      ['operation', 'reason', 'reservedAt', 'seconds', 'seedContent', 'waits'].sort(),
    );
    expect(JSON.stringify(first)).not.toContain(SEED_BYTES.trim());
    expect(seedReads()).toBe(1);
    s3.resetHistory();
    setVendorClientForTests(fakeApi({ createDataset: () => Promise.resolve(training) }));
    await handler({ ...input, vendorWait: first.vendorWait }, context);
    expect(seedReads()).toBe(0);
    // A hash carried for another version of the seed is not trusted: it is read and hashed.
    const other = { ...first.vendorWait, seedContent: { identity: 'acme-seeds/x/v0', sha256: SHA256 } };
    await handler({ ...input, vendorWait: other }, context);
    expect(seedReads()).toBe(1);
  });

  it("reads the feed's past trainings only once createDataset accepted the upload, not while it waits its turn", async () => {
    const historyReads = () =>
      ddb.commandCalls(GetCommand).filter((c) => String(c.args[0].input.Key?.['sk']).startsWith('JOBS#'))
        .length;
    const reservedAt = Date.now() + 120_000;
    const refused = new VendorPacingError('createDataset', 120, { operation: 'createDataset', reservedAt });
    setVendorClientForTests(fakeApi({ createDataset: () => Promise.reject(refused) }));
    const first = (await handler({ ...input, vendorWait: null }, context)) as unknown as {
      vendorWait: Record<string, unknown>;
    };
    expect(first.vendorWait).toMatchObject({ reason: 'paced', reservedAt });
    expect(historyReads()).toBe(0);
    setVendorClientForTests(fakeApi({ createDataset: () => Promise.resolve(training) }));
    const out = await handler({ ...input, vendorWait: first.vendorWait }, context);
    expect(out).toMatchObject({ datasetId: 'ds_1', poll: { status: 'running' } });
    // The feed's own history (none yet), then the deployment prior.
    expect(historyReads()).toBe(2);
  });

  it('waits outside, hash carried, when the reuse check cannot get a slot behind a deep queue', async () => {
    ddb.on(GetCommand, { Key: { pk: 'FEED#retail-panel', sk: `CONTENT#${SHA256}` } }).resolves({
      Item: { feed: 'retail-panel', sha256: SHA256, datasetId: 'ds_live', runId: 'ingest-earlier' },
    });
    const api = fakeApi({
      getDataset: () => Promise.reject(new VendorPacingError('getDataset', 40)),
    });
    setVendorClientForTests(api);
    const out = (await handler({ ...input, vendorWait: null }, context)) as unknown as {
      vendorWait: Record<string, unknown>;
    };
    expect(out.vendorWait).toMatchObject({
      seconds: 40,
      reason: 'paced',
      operation: 'getDataset',
      seedContent: { identity: seedIdentity(seed), sha256: SHA256 },
    });
    expect(out.vendorWait['reservedAt']).toBeUndefined();
    expect(api.createDataset).not.toHaveBeenCalled();
  });

  it('carries the reuse check\'s "nothing to reuse" through its wait: the re-run sends on its slot without a getDataset', async () => {
    // First run: nothing in the content ledger to reuse; the upload reserves a slot and waits.
    const reservedAt = Date.now() + 120_000;
    setVendorClientForTests(
      fakeApi({
        createDataset: () =>
          Promise.reject(
            new VendorPacingError('createDataset', 120, { operation: 'createDataset', reservedAt }),
          ),
      }),
    );
    const first = (await handler({ ...input, vendorWait: null }, context)) as unknown as {
      vendorWait: Record<string, unknown>;
    };
    expect(first.vendorWait).toMatchObject({
      reservedAt,
      seedContent: { identity: seedIdentity(seed), sha256: SHA256, reusable: false },
    });
    // By the re-run the ledger has a candidate whose check would need a getDataset that a deep
    // queue refuses: the carried decision skips it, the held slot is used for createDataset.
    ddb.on(GetCommand, { Key: { pk: 'FEED#retail-panel', sk: `CONTENT#${SHA256}` } }).resolves({
      Item: { feed: 'retail-panel', sha256: SHA256, datasetId: 'ds_live', runId: 'ingest-earlier' },
    });
    const api = fakeApi({
      getDataset: () => Promise.reject(new VendorPacingError('getDataset', 40)),
      createDataset: async () => {
        await pacer.acquire('createDataset');
        return training;
      },
    });
    setVendorClientForTests(api);
    s3.resetHistory();
    preWorkMs = 0;
    const slot = { ...first.vendorWait, reservedAt: Date.now() + 200 };
    const out = await handler({ ...input, vendorWait: slot }, context);
    expect(out).toMatchObject({ datasetId: 'ds_1' });
    expect(api.getDataset).not.toHaveBeenCalled();
    expect(takes).toBe(0);
    expect(seedReads()).toBe(0);
    // Without the decision (a wait from before the check), the check runs and waits outside.
    const unchecked = { ...slot, seedContent: { identity: seedIdentity(seed), sha256: SHA256 } };
    const waiting = (await handler({ ...input, vendorWait: unchecked }, context)) as unknown as {
      vendorWait: Record<string, unknown>;
    };
    expect(api.getDataset).toHaveBeenCalled();
    expect(waiting.vendorWait).toMatchObject({ operation: 'getDataset' });
  });
});
