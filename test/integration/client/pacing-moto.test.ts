/**
 * The shared vendor request pacing (DynamoDbPacer) against moto: real conditional writes, several
 * pacers (Lambda containers) on one item. Concurrent takers get distinct slots one interval apart
 * after the burst, waits beyond the in-process limit are refused with a Retry-After-like wait,
 * and nothing is taken for a refusal.
 */
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbPacer,
  PACING_SORT_KEY,
  VendorPacingError,
  decidePacing,
} from '../../../src/client/index.ts';
import { startMoto } from '../../../src/local/moto.ts';
import type { RunningMoto } from '../../../src/local/moto.ts';
import { createTokenCacheResources } from '../../support/token-cache-moto.ts';

const TABLE = 'pacing-state';
let moto: RunningMoto;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  moto = await startMoto();
  const resources = await createTokenCacheResources(moto, TABLE);
  dynamo = DynamoDBDocumentClient.from(resources.dynamo);
});
afterAll(async () => moto?.stop());

describe('decidePacing (GCRA)', () => {
  const rate = { requestsPerSecond: 5, burst: 2 };
  it('lets a burst through, then spaces requests one interval apart', () => {
    expect(decidePacing(null, 1000, rate, 0)).toEqual({ waitMs: 0, nextTat: 1200 });
    expect(decidePacing(1200, 1000, rate, 0)).toEqual({ waitMs: 0, nextTat: 1400 });
    expect(decidePacing(1400, 1000, rate, 500)).toEqual({ waitMs: 200, nextTat: 1600 });
  });
  it('takes nothing when the wait is longer than the caller may sleep', () => {
    expect(decidePacing(3000, 1000, rate, 1000)).toEqual({ waitMs: 1800, nextTat: null });
  });
  it('forgets an old backlog once the bucket has refilled', () => {
    expect(decidePacing(1000, 60_000, rate, 0)).toEqual({ waitMs: 0, nextTat: 60_200 });
  });
});

describe('DynamoDbPacer on moto', () => {
  it('gives concurrent containers distinct slots, one interval apart after the burst', async () => {
    const now = 1_000_000;
    const slept: number[] = [];
    const pacers = [0, 1, 2].map(
      () =>
        new DynamoDbPacer({
          tableName: TABLE,
          dynamo,
          clientId: 'client-a',
          requestsPerSecond: 5,
          burst: 2,
          maxInlineWaitMs: 60_000,
          now: () => now,
          sleep: (ms) => {
            slept.push(ms);
            return Promise.resolve();
          },
        }),
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => pacers[i % 3]!.acquire('getJob')));
    // Two go at once (burst), the other seven each wait one more 200 ms interval.
    expect(slept.sort((a, b) => a - b)).toEqual([200, 400, 600, 800, 1000, 1200, 1400]);
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'PACING#client-a', sk: PACING_SORT_KEY } }),
    );
    expect(Item?.['tat']).toBe(now + 9 * 200);
  });

  it('costs each of 30 concurrent takers at most two conditional writes and no read (no read-then-write race)', async () => {
    const sent: string[] = [];
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const now = 5_000_000;
    const slept: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, () =>
        new DynamoDbPacer({
          tableName: TABLE,
          dynamo: counting,
          clientId: 'client-contended',
          requestsPerSecond: 10,
          burst: 1,
          maxInlineWaitMs: 60_000,
          now: () => now,
          sleep: (ms) => {
            slept.push(ms);
            return Promise.resolve();
          },
        }).acquire('getJob'),
      ),
    );
    expect(sent.filter((name) => name === 'GetCommand')).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(60);
    // Thirty distinct slots, 100 ms apart: one goes at once, the others wait 100 ms … 2.9 s.
    expect(slept.sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, i) => (i + 1) * 100));
  });

  it('refuses a wait beyond the in-process limit with the time to come back, taking no slot', async () => {
    const pacer = (now: number) =>
      new DynamoDbPacer({
        tableName: TABLE,
        dynamo,
        clientId: 'client-b',
        requestsPerSecond: 1,
        burst: 1,
        maxInlineWaitMs: 1_000,
        now: () => now,
        sleep: () => Promise.resolve(),
        random: () => 0,
      });
    const t0 = 2_000_000;
    await pacer(t0).acquire('createGeneration');
    await pacer(t0).acquire('createGeneration'); // waits 1 s: allowed in process
    const err = await pacer(t0)
      .acquire('createGeneration')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err).toMatchObject({ operation: 'createGeneration', retryAfterSeconds: 2 });
    // The refusal took nothing: two seconds later the next slot is free at once.
    const slept: number[] = [];
    await new DynamoDbPacer({
      tableName: TABLE,
      dynamo,
      clientId: 'client-b',
      requestsPerSecond: 1,
      burst: 1,
      now: () => t0 + 2_000,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    }).acquire('getJob');
    expect(slept).toEqual([]);
  });

  it('lets an operation without a wait loop take its turn in process, sleeping at most the cap', async () => {
    const slept: number[] = [];
    const make = () =>
      new DynamoDbPacer({
        tableName: TABLE,
        dynamo,
        clientId: 'client-e',
        requestsPerSecond: 1,
        burst: 1,
        maxInlineWaitOtherMs: 1_500,
        now: () => 4_000_000,
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
      });
    for (let i = 0; i < 4; i += 1) await make().acquire('getDatasetSchema');
    // Waits of 1, 2 and 3 s: each slot is taken (the queue moves on), sleeping at most 1.5 s.
    expect(slept).toEqual([1000, 1500, 1500]);
  });

  it('keeps separate buckets per vendor client', async () => {
    const make = (clientId: string) =>
      new DynamoDbPacer({
        tableName: TABLE,
        dynamo,
        clientId,
        requestsPerSecond: 1,
        burst: 1,
        maxInlineWaitMs: 0,
        now: () => 3_000_000,
      });
    await make('client-c').acquire('getJob');
    await expect(make('client-c').acquire('getJob')).rejects.toBeInstanceOf(VendorPacingError);
    await expect(make('client-d').acquire('getJob')).resolves.toBeUndefined();
  });

  it('names a bad rate', () => {
    expect(
      () => new DynamoDbPacer({ tableName: TABLE, dynamo, clientId: 'x', requestsPerSecond: 0, burst: 1 }),
    ).toThrow(/requestsPerSecond must be a number > 0/);
  });
});
