/**
 * A step that sends several vendor requests in one run (ResolveScenarios: the dataset and its
 * schema; LandArtifact: the generation and its download) takes or reserves one slot for each, in
 * a row, in one conditional write; its next run sends all of them on the slots it holds. Its
 * requests may go at once: they take their slots in turn, and once the turn is refused none of
 * them takes anything more. Against moto (real conditional writes).
 */
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACING_SORT_KEY, VendorPacingError, withPacingTurn } from '../../../src/client/index.ts';
import { startMoto } from '../../../src/local/moto.ts';
import type { RunningMoto } from '../../../src/local/moto.ts';
import { inPacingTurn, vendorWaitFor } from '../../../src/pipeline/vendor-wait.ts';
import { loggedPacerOn, newLog, pacingItemOf, refusal } from '../../support/logged-pacer.ts';
import { createTokenCacheResources } from '../../support/token-cache-moto.ts';

const TABLE = 'pacing-turn-slots';
let moto: RunningMoto;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  moto = await startMoto();
  dynamo = DynamoDBDocumentClient.from((await createTokenCacheResources(moto, TABLE)).dynamo);
});
afterAll(async () => moto?.stop());

/** A 1 request/s pacer for `clientId` whose clock reads `clock.now`, and what it did. */
function pacerAt(clock: { now: number }, clientId: string) {
  const log = newLog();
  const pacer = loggedPacerOn(() => dynamo, TABLE)(
    { clientId, maxInlineWaitMs: 1_000, maxInlineWaitOtherMs: 5_000, now: () => clock.now, random: () => 0 },
    log,
  );
  return { pacer, log };
}

/** Puts a backlog: the bucket's next free slot is at `tat`. */
const backlogUntil = (clientId: string, tat: number) =>
  dynamo.send(
    new PutCommand({
      TableName: TABLE,
      Item: { pk: `PACING#${clientId}`, sk: PACING_SORT_KEY, tat, ttl: Math.ceil(tat / 1000) + 3600 },
    }),
  );

describe('a pacing turn of a step sending several requests', () => {
  it('behind a backlog, reserves a slot for each request in one write, and its concurrent requests take nothing more', async () => {
    const clock = { now: 100_000_000 };
    const { pacer, log } = pacerAt(clock, 'multi-a');
    await backlogUntil('multi-a', clock.now + 30_000);
    const results = await Promise.all(
      ['getDataset', 'getDatasetSchema'].map((operation) =>
        refusal(withPacingTurn(null, () => pacer.acquire(operation), clock.now, 2)),
      ),
    );
    // Two separate turns here (two steps, in either order): each reserves two slots.
    const held = results.map((e) => e?.reservation).sort((x, y) => x!.reservedAt - y!.reservedAt);
    expect(held.map((r) => [r?.reservedAt, r?.slots])).toEqual([
      [clock.now + 30_000, 2],
      [clock.now + 32_000, 2],
    ]);
    expect((await pacingItemOf(dynamo, TABLE, 'multi-a')).tat).toBe(clock.now + 34_000);

    // One step whose two requests go at once: one take of two slots, both refused with it.
    log.sent.length = 0;
    const [first, second] = await withPacingTurn(
      null,
      () => Promise.all([refusal(pacer.acquire('getDataset')), refusal(pacer.acquire('getDatasetSchema'))]),
      clock.now,
      2,
    );
    expect(first?.reservation).toEqual({ operation: 'getDataset', reservedAt: clock.now + 34_000, slots: 2 });
    expect(second).toBeInstanceOf(VendorPacingError);
    expect(second?.reservation).toEqual(first?.reservation);
    expect(log.sent).toEqual(['UpdateCommand']);
    expect((await pacingItemOf(dynamo, TABLE, 'multi-a')).tat).toBe(clock.now + 36_000);
  });

  it('sends every request of its next run on the slots it holds, one interval apart, with no DynamoDB call', async () => {
    const clock = { now: 200_000_000 };
    const { pacer, log } = pacerAt(clock, 'multi-b');
    const held = { operation: 'getGeneration', reservedAt: clock.now + 500, slots: 2 };
    await withPacingTurn(
      held,
      async () => {
        await Promise.all([pacer.acquire('getGeneration'), pacer.acquire('downloadArtifact')]);
      },
      clock.now,
      2,
    );
    expect(log.sent).toEqual([]);
    // The clock stands still here: the second slot is one interval after the first.
    expect(log.slept).toEqual([500, 1_500]);
    // A third request (a client retry) takes a slot of its own.
    await withPacingTurn(
      held,
      async () => {
        await pacer.acquire('getGeneration');
        await pacer.acquire('downloadArtifact');
        await pacer.acquire('downloadArtifact');
      },
      clock.now,
      2,
    );
    expect(log.sent).toEqual(['UpdateCommand']);
  });

  it('on an idle bucket takes every slot at once and goes on the first', async () => {
    const clock = { now: 300_000_000 };
    const { pacer, log } = pacerAt(clock, 'multi-c');
    await withPacingTurn(
      null,
      async () => {
        await pacer.acquire('getDataset');
        await pacer.acquire('getDatasetSchema');
      },
      clock.now,
      2,
    );
    expect(log.sent).toEqual(['UpdateCommand']);
    expect(log.slept).toEqual([1_000]);
    expect((await pacingItemOf(dynamo, TABLE, 'multi-c')).tat).toBe(clock.now + 2_000);
  });

  it('reserves for an operation outside the queued ones when it runs in a turn, and the wait carries the slots', async () => {
    const clock = { now: 400_000_000 };
    const { pacer } = pacerAt(clock, 'multi-d');
    await backlogUntil('multi-d', clock.now + 60_000);
    const err = await refusal(
      inPacingTurn(null, () => pacer.acquire('downloadArtifact'), { startedAt: clock.now, requests: 2 }),
    );
    const wait = vendorWaitFor(err);
    expect(wait).toEqual({
      seconds: 60,
      reason: 'paced',
      operation: 'downloadArtifact',
      reservedAt: clock.now + 60_000,
      slots: 2,
    });
    // Outside a turn the same read takes nothing behind that backlog (its step would retry).
    const outside = await refusal(pacer.acquire('downloadArtifact'));
    expect(outside?.reservation).toBeNull();
    expect((await pacingItemOf(dynamo, TABLE, 'multi-d')).tat).toBe(clock.now + 62_000);
  });

  it("sends a step's later requests on its later slots even when its own work made them late", async () => {
    const clock = { now: 500_000_000 };
    const { pacer, log } = pacerAt(clock, 'multi-e');
    const held = { operation: 'getGeneration', reservedAt: clock.now, slots: 3 };
    clock.now += 2_000; // within the 3 s grace: the first goes at once
    await withPacingTurn(
      held,
      async () => {
        await pacer.acquire('getGeneration');
        await pacer.acquire('getDatasetSchema');
        clock.now += 20_000; // a large seed read between them: the third slot is 20 s gone
        await pacer.acquire('downloadArtifact');
      },
      clock.now,
      3,
    );
    expect(log.slept).toEqual([]);
    expect(log.sent).toEqual([]);
  });

  it('takes one slot for a request beyond its slots; behind a deep queue, reserves all the run needed', async () => {
    const clock = { now: 600_000_000 };
    const { pacer, log } = pacerAt(clock, 'multi-f');
    const held = { operation: 'getGeneration', reservedAt: clock.now, slots: 2 };
    // An expired URL's re-fetch and download: two requests more than the step's two slots.
    const landing = () =>
      withPacingTurn(
        held,
        async () => {
          await pacer.acquire('getGeneration');
          await pacer.acquire('downloadArtifact');
          await pacer.acquire('getGeneration');
          await pacer.acquire('downloadArtifact');
        },
        clock.now,
        2,
      );
    await landing(); // an idle bucket: one slot each for the two extra requests
    expect(log.sent).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect((await pacingItemOf(dynamo, TABLE, 'multi-f')).tat).toBe(clock.now + 2_000);
    // Behind a 40-s queue the third request is refused: the next run holds all three it needed.
    await backlogUntil('multi-f', clock.now + 40_000);
    const err = await refusal(landing());
    expect(err?.reservation).toEqual({
      operation: 'getGeneration',
      reservedAt: clock.now + 40_000,
      slots: 3,
    });
    expect((await pacingItemOf(dynamo, TABLE, 'multi-f')).tat).toBe(clock.now + 43_000);
  });
});
