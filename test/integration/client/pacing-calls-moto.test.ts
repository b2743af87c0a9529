/**
 * What a take of the shared pacing costs in DynamoDB calls, on moto: a conditional write that
 * loses returns the item (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so a refusal behind a
 * deep queue costs that one write, and a wrong first guess (idle or backlog) one more write, never
 * a read. Where the lost write brings no item back, the pacer takes the other way, then reads, as
 * before: same decisions, more calls.
 */
import { describe, expect, it } from 'vitest';
import { VendorPacingError } from '../../../src/client/index.ts';
import { loggedPacerOn, newLog } from '../../support/logged-pacer.ts';
import { useMotoStateTable } from '../../support/token-cache-moto.ts';

const TABLE = 'pacing-calls';
const table = useMotoStateTable(TABLE);
const loggedPacer = loggedPacerOn(() => table.dynamo, TABLE);
/** Like a DynamoDB that does not return the item of a failed condition. */
const itemless = loggedPacerOn(
  () => table.dynamo,
  TABLE,
  (answer) =>
    answer.catch((err: unknown) => {
      if (err instanceof Error) delete (err as { Item?: unknown }).Item;
      throw err;
    }),
);

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as VendorPacingError,
  );

/** A queue of `n` slots at 1/s for `clientId`, taken at `now`. */
async function queue(clientId: string, now: number, n: number): Promise<void> {
  const filler = loggedPacer({ clientId, now: () => now, maxInlineWaitMs: 60_000 });
  for (let i = 0; i < n; i += 1) await filler.acquire('getJob');
}

describe('DynamoDbPacer calls per take (moto)', () => {
  it('refuses behind a deep queue for one conditional write and no read, whichever take it guessed', async () => {
    const now = 1_000_000;
    await queue('deep', now, 10);
    // A container that never saw the bucket guesses idle: that write loses and tells the queue.
    const fresh = newLog();
    const pacer = loggedPacer({ clientId: 'deep', now: () => now, random: () => 0 }, fresh);
    const err = await refusal(pacer.acquire('createGeneration'));
    expect(err).toBeInstanceOf(VendorPacingError);
    expect(err?.retryAfterSeconds).toBe(10);
    expect(fresh.sent).toEqual(['UpdateCommand']);
    // Now it knows the backlog: it guesses the queued take, which loses the same way.
    fresh.sent.length = 0;
    expect(await refusal(pacer.acquire('createGeneration'))).toBeInstanceOf(VendorPacingError);
    expect(fresh.sent).toEqual(['UpdateCommand']);
  });

  it('takes its slot behind a short queue for two writes when it guessed idle, one when it knew', async () => {
    const now = 2_000_000;
    await queue('short', now, 1);
    const log = newLog();
    const pacer = loggedPacer({ clientId: 'short', now: () => now, maxInlineWaitMs: 5_000 }, log);
    await pacer.acquire('getJob');
    expect(log.sent).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(log.slept).toEqual([1_000]);
    log.sent.length = 0;
    await pacer.acquire('getJob');
    expect(log.sent).toEqual(['UpdateCommand']);
    expect(log.slept).toEqual([1_000, 2_000]);
  });

  it('tries the other take at the time of the lost one: concurrent takers on a slow table all get slots, two writes at most', async () => {
    // Every clock read is 40 ms later (a slow, busy table): by the time a lost idle take is judged
    // the queue it lost to may look past, yet its slot is behind it.
    let clock = 4_000_000;
    const log = newLog();
    const takers = Array.from({ length: 20 }, () =>
      loggedPacer(
        { clientId: 'slow', requestsPerSecond: 10, maxInlineWaitMs: 60_000, now: () => (clock += 40) },
        log,
      ),
    );
    // All get a slot (none refused after losing every race) ...
    await Promise.all(takers.map((pacer) => pacer.acquire('getJob')));
    // ... for at most two conditional writes each.
    expect(log.sent.length).toBeLessThanOrEqual(40);
    expect(log.sent).not.toContain('GetCommand');
  });

  it('decides the same without the item of a lost write: the other take, then a read', async () => {
    const now = 3_000_000;
    await queue('itemless', now, 10);
    const log = newLog();
    const err = await refusal(
      itemless({ clientId: 'itemless', now: () => now, random: () => 0 }, log).acquire('createGeneration'),
    );
    expect(err?.retryAfterSeconds).toBe(10);
    expect(log.sent).toEqual(['UpdateCommand', 'UpdateCommand', 'GetCommand']);
    const short = newLog();
    await itemless({ clientId: 'itemless', now: () => now + 9_500, maxInlineWaitMs: 1_000 }, short).acquire(
      'getJob',
    );
    expect(short.sent).toEqual(['UpdateCommand', 'UpdateCommand']);
    expect(short.slept).toEqual([500]);
  });
});
