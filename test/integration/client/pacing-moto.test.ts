/**
 * The shared vendor request pacing (DynamoDbPacer) against moto: real conditional writes, several
 * pacers (Lambda containers) on one item. Concurrent takers get distinct slots one interval apart
 * after the burst, waits beyond the in-process limit are refused with a Retry-After-like wait,
 * and nothing is taken for a refusal outside a pacing turn; inside one (a step that carries its
 * wait through the state machine) the refusal reserves the slot, and the reservation is used
 * without taking again.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
  DynamoDbPacer,
  MAX_RESERVATION_AHEAD_MS,
  PACING_SORT_KEY,
  PACING_TTL_MARGIN_SECONDS,
  RESERVATION_GRACE_MS,
  VendorPacingError,
  decidePacing,
  withPacingTurn,
} from '../../../src/client/index.ts';
import type { DynamoDbPacerOptions } from '../../../src/client/index.ts';
import { loggedPacerOn, newLog } from '../../support/logged-pacer.ts';
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

/** A pacer on moto (1 request/s, burst 1 unless its options say otherwise) that records into a log. */
const loggedPacer = loggedPacerOn(() => dynamo, TABLE);

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
    const log = newLog();
    const pacers = [0, 1, 2].map(() =>
      loggedPacer(
        { clientId: 'client-a', requestsPerSecond: 5, burst: 2, maxInlineWaitMs: 60_000, now: () => now },
        log,
      ),
    );
    await Promise.all(Array.from({ length: 9 }, (_, i) => pacers[i % 3]!.acquire('getJob')));
    // Two go at once (burst), the other seven each wait one more 200 ms interval.
    expect(log.slept.sort((a, b) => a - b)).toEqual([200, 400, 600, 800, 1000, 1200, 1400]);
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'PACING#client-a', sk: PACING_SORT_KEY } }),
    );
    expect(Item?.['tat']).toBe(now + 9 * 200);
  });

  it('costs each of 30 concurrent takers at most two conditional writes and no read (no read-then-write race)', async () => {
    const now = 5_000_000;
    const log = newLog();
    await Promise.all(
      Array.from({ length: 30 }, () =>
        loggedPacer(
          {
            clientId: 'client-contended',
            requestsPerSecond: 10,
            maxInlineWaitMs: 60_000,
            now: () => now,
          },
          log,
        ).acquire('getJob'),
      ),
    );
    expect(log.sent.filter((name) => name === 'GetCommand')).toEqual([]);
    expect(log.sent.length).toBeLessThanOrEqual(60);
    // Thirty distinct slots, 100 ms apart: one goes at once, the others wait 100 ms … 2.9 s.
    expect(log.slept.sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, i) => (i + 1) * 100));
  });

  it('refuses a wait beyond the in-process limit with the time to come back, taking no slot', async () => {
    const pacer = (now: number) =>
      loggedPacer({ clientId: 'client-b', maxInlineWaitMs: 1_000, now: () => now, random: () => 0 });
    const t0 = 2_000_000;
    await pacer(t0).acquire('createGeneration');
    await pacer(t0).acquire('createGeneration'); // waits 1 s: allowed in process
    const err = await pacer(t0)
      .acquire('createGeneration')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err).toMatchObject({ operation: 'createGeneration', retryAfterSeconds: 2 });
    // The refusal took nothing: two seconds later the next slot is free at once.
    const log = newLog();
    await loggedPacer({ clientId: 'client-b', now: () => t0 + 2_000 }, log).acquire('getJob');
    expect(log.slept).toEqual([]);
  });

  it('lets an operation without a wait loop take a slot within its in-process limit, going on it', async () => {
    const t0 = 4_000_000;
    const log = newLog();
    const make = () => loggedPacer({ clientId: 'client-e', maxInlineWaitOtherMs: 2_500, now: () => t0 }, log);
    for (let i = 0; i < 3; i += 1) await make().acquire('getDatasetSchema');
    // Each request sleeps until its own slot (sent at t0, t0 + 1 s, t0 + 2 s: within 1/s) ...
    expect(log.slept).toEqual([1000, 2000]);
    // ... and a slot 3 s away, beyond the 2.5 s limit, is neither taken nor sent early.
    const err = await make()
      .acquire('getDatasetSchema')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err).toMatchObject({ operation: 'getDatasetSchema', reservation: null });
    expect(log.slept).toEqual([1000, 2000]);
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: TABLE, Key: { pk: 'PACING#client-e', sk: PACING_SORT_KEY } }),
    );
    expect(Item?.['tat']).toBe(t0 + 3_000);
  });

  it('keeps separate buckets per vendor client', async () => {
    const make = (clientId: string) => loggedPacer({ clientId, maxInlineWaitMs: 0, now: () => 3_000_000 });
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

describe('slot reservations carried through a Wait (DynamoDbPacer in a pacing turn)', () => {
  /** A pacer for `clientId` at 1 request/s (burst 1) whose clock reads `clock.now`. */
  function pacerAt(clock: { now: number }, clientId: string, extra: Partial<DynamoDbPacerOptions> = {}) {
    const log = newLog();
    const pacer = loggedPacer(
      { clientId, maxInlineWaitMs: 1_000, now: () => clock.now, random: () => 0, ...extra },
      log,
    );
    return { pacer, ...log };
  }
  const tatOf = async (clientId: string): Promise<unknown> => {
    const { Item } = await dynamo.send(
      new GetCommand({ TableName: TABLE, Key: { pk: `PACING#${clientId}`, sk: PACING_SORT_KEY } }),
    );
    return Item?.['tat'];
  };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e as VendorPacingError,
    );

  it('reserves the slot of a refused queued call, returning its start, and the next caller queues after it', async () => {
    const clock = { now: 10_000_000 };
    const { pacer } = pacerAt(clock, 'reserve-a');
    await pacer.acquire('createDataset'); // now
    await pacer.acquire('createDataset'); // 1 s: slept in process
    const err = await refusal(withPacingTurn(null, () => pacer.acquire('createDataset')));
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err?.reservation).toEqual({ operation: 'createDataset', reservedAt: clock.now + 2_000 });
    expect(err?.retryAfterSeconds).toBe(2);
    expect(await tatOf('reserve-a')).toBe(clock.now + 3_000);
    // The slot is taken: the next caller is refused for the one after it.
    const next = await refusal(withPacingTurn(null, () => pacer.acquire('createGeneration')));
    expect(next?.reservation?.reservedAt).toBe(clock.now + 3_000);
  });

  it('sends on a due reservation without any DynamoDB call, once per turn', async () => {
    const clock = { now: 20_000_000 };
    const { pacer, sent, slept } = pacerAt(clock, 'reserve-b');
    await pacer.acquire('getJob');
    await pacer.acquire('getJob');
    const reservation = (await refusal(withPacingTurn(null, () => pacer.acquire('getJob'))))!.reservation!;
    const tat = await tatOf('reserve-b');
    sent.length = 0;
    slept.length = 0;
    // The Wait woke 400 ms before the slot: the rest is slept in process, nothing is taken.
    clock.now = reservation.reservedAt - 400;
    await withPacingTurn(reservation, async () => {
      await pacer.acquire('getJob');
      expect(sent).toEqual([]);
      expect(slept).toEqual([400]);
      // A second request in the same turn (a client retry) takes its own slot.
      await expect(pacer.acquire('getJob')).rejects.toBeInstanceOf(VendorPacingError);
    });
    expect(sent.length).toBeGreaterThan(0);
    expect(await tatOf('reserve-b')).toBeGreaterThan(tat as number);
  });

  it('uses a reservation up to the grace late; later, or for another operation, takes anew', async () => {
    const clock = { now: 30_000_000 };
    const { pacer, sent } = pacerAt(clock, 'reserve-c');
    const reservation = { operation: 'createGeneration', reservedAt: clock.now };
    clock.now += RESERVATION_GRACE_MS;
    await withPacingTurn(reservation, () => pacer.acquire('createGeneration'));
    expect(sent).toEqual([]);
    clock.now += 1; // later than the grace: missed, a fresh take (the bucket is idle: goes at once)
    await withPacingTurn(reservation, () => pacer.acquire('createGeneration'));
    expect(sent).toHaveLength(1);
    await withPacingTurn(reservation, () => pacer.acquire('createDataset').catch(() => undefined));
    expect(sent.length).toBeGreaterThan(1);
  });

  it('sends a step that woke too early back to wait for the same slot, taking nothing', async () => {
    const clock = { now: 40_000_000 };
    const { pacer, sent } = pacerAt(clock, 'reserve-d');
    const reservation = { operation: 'getJob', reservedAt: clock.now + 5_500 };
    const err = await refusal(withPacingTurn(reservation, () => pacer.acquire('getJob')));
    expect(err?.reservation).toEqual(reservation);
    expect(err?.retryAfterSeconds).toBe(5);
    expect(sent).toEqual([]);
  });

  it('reserves nothing for a backlog beyond the reservation horizon', async () => {
    const clock = { now: 50_000_000 };
    const { pacer } = pacerAt(clock, 'reserve-e', { requestsPerSecond: 1000, burst: 1 });
    const far = clock.now + MAX_RESERVATION_AHEAD_MS + 10_000;
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'PACING#reserve-e', sk: PACING_SORT_KEY, tat: far, ttl: Math.ceil(far / 1000) + 3600 },
      }),
    );
    const err = await refusal(withPacingTurn(null, () => pacer.acquire('createDataset')));
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err?.reservation).toBeNull();
    expect(await tatOf('reserve-e')).toBe(far);
  });

  it('judges a held slot late at the step start and at the send: pre-work up to the inline limit keeps it', async () => {
    const clock = { now: 60_000_000 };
    const { pacer, sent } = pacerAt(clock, 'reserve-f');
    const reservation = { operation: 'createDataset', reservedAt: clock.now };
    const startedEarly = reservation.reservedAt - 200;
    // The step started 200 ms before its slot, then re-read and hashed its seed for 4 s more
    // than the grace (within the inline limit): it still goes on its slot, taking nothing.
    clock.now = reservation.reservedAt + RESERVATION_GRACE_MS + 4_000;
    await withPacingTurn(reservation, () => pacer.acquire('createDataset'), startedEarly);
    expect(sent).toEqual([]);
    // Its send later than the grace plus the inline limit: the slot's second is others' by now,
    // it takes a fresh slot however early it started.
    clock.now = reservation.reservedAt + RESERVATION_GRACE_MS + DEFAULT_MAX_INLINE_WAIT_OTHER_MS + 1;
    await withPacingTurn(reservation, () => pacer.acquire('createDataset'), startedEarly).catch(
      () => undefined,
    );
    expect(sent).toHaveLength(1);
    // A step that started later than the grace has lost the slot: it takes anew.
    clock.now = reservation.reservedAt + RESERVATION_GRACE_MS + 1;
    const lateStart = clock.now;
    await withPacingTurn(reservation, () => pacer.acquire('createDataset'), lateStart).catch(() => undefined);
    expect(sent.length).toBeGreaterThan(1);
  });
});

describe('calls without a wait loop behind a deep reservation queue', () => {
  const itemOf = async (clientId: string) =>
    (
      await dynamo.send(
        new GetCommand({ TableName: TABLE, Key: { pk: `PACING#${clientId}`, sk: PACING_SORT_KEY } }),
      )
    ).Item as { tat: number; ttl: number };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: unknown) => e as VendorPacingError,
    );

  it('neither push the reserved slots back nor go before their own slot (within the rate)', async () => {
    const clock = { now: 70_000_000 };
    const log = newLog();
    const pacer = loggedPacer(
      { clientId: 'deep-a', maxInlineWaitMs: 1_000, maxInlineWaitOtherMs: 5_000, now: () => clock.now },
      log,
    );
    // Twenty steps queue: two go (one after a 1 s sleep), eighteen reserve slots 2 … 19 s ahead.
    const reserved: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const err = await refusal(withPacingTurn(null, () => pacer.acquire('createDataset')));
      if (err?.reservation) reserved.push(err.reservation.reservedAt);
    }
    expect(reserved).toEqual(Array.from({ length: 18 }, (_, i) => clock.now + (i + 2) * 1_000));
    const end = clock.now + 20_000;
    expect((await itemOf('deep-a')).tat).toBe(end);
    // Ten schema reads and downloads meanwhile: refused without taking (their step retries).
    const inline = await Promise.all(
      Array.from({ length: 10 }, (_, i) => refusal(pacer.acquire(i % 2 ? 'getDatasetSchema' : 'download'))),
    );
    for (const err of inline) {
      expect(err).toBeInstanceOf(VendorPacingError);
      expect(err?.reservation).toBeNull();
      expect(err?.retryAfterSeconds).toBeGreaterThanOrEqual(20);
    }
    expect((await itemOf('deep-a')).tat).toBe(end);
    // The next step's reservation comes straight after the queue, not ten slots later.
    const next = await refusal(withPacingTurn(null, () => pacer.acquire('createGeneration')));
    expect(next?.reservation?.reservedAt).toBe(end);
    // Once the queue's end is within its limit, an inline call takes the slot after it and
    // sleeps until that slot: sent 1 s after the last reserved request, not before.
    clock.now = end - 3_000;
    log.slept.length = 0;
    await pacer.acquire('getDatasetSchema');
    expect(log.slept).toEqual([4_000]);
    expect((await itemOf('deep-a')).tat).toBe(end + 2_000);
  });

  it('keep the pacing item alive past the end of its queue, whatever takes last', async () => {
    const clock = { now: 80_000_000 };
    const pacer = loggedPacer({ clientId: 'ttl-a', maxInlineWaitMs: 1_000, now: () => clock.now });
    const coversQueue = async () => {
      const { tat, ttl } = await itemOf('ttl-a');
      expect(ttl).toBeGreaterThanOrEqual(Math.ceil(tat / 1000) + PACING_TTL_MARGIN_SECONDS);
    };
    await pacer.acquire('getJob'); // idle take
    await coversQueue();
    // A queue reserved to near the horizon, then calls of every kind.
    const deep = clock.now + MAX_RESERVATION_AHEAD_MS - 5_000;
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'PACING#ttl-a', sk: PACING_SORT_KEY, tat: deep, ttl: 0 },
      }),
    );
    await refusal(withPacingTurn(null, () => pacer.acquire('createDataset')));
    await coversQueue();
    await refusal(pacer.acquire('getDatasetSchema'));
    await refusal(pacer.acquire('getJob'));
    await coversQueue();
    clock.now = deep + 500;
    await pacer.acquire('download');
    await coversQueue();
  });
});
