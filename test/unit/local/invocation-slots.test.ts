import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { FunctionHost, holdsPacingSlot } from '../../../src/local/function-host.ts';
import { pacingSleep } from '../../../lambdas/commons/pacing-sleep.ts';
import { InvocationSlots } from '../../../src/local/invocation-slots.ts';
import { LambdaLimits } from '../../../src/local/lambda-limits.ts';

describe('InvocationSlots', () => {
  it('runs at most `limit` at once, the rest in arrival order, and frees a slot whatever the outcome', async () => {
    const slots = new InvocationSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((i) =>
        slots.run(async () => {
          started.push(i);
          running += 1;
          most = Math.max(most, running);
          await sleep(20);
          running -= 1;
          if (i === 1) throw new Error('failed invocation');
          return i;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(slots.mostWaiting).toBe(3);
    // All slots free again: two more run at once.
    await Promise.all([slots.run(() => sleep(5)), slots.run(() => sleep(5))]);
  });

  it('starts invocations on a schedule (holding a pacing slot) before the others waiting', async () => {
    const slots = new InvocationSlots(1);
    const started: string[] = [];
    const step = (name: string, urgent = false) =>
      slots.run(async () => {
        started.push(name);
        await sleep(5);
      }, urgent);
    await Promise.all([step('first'), step('a'), step('b'), step('held-1', true), step('held-2', true)]);
    expect(started).toEqual(['first', 'held-1', 'held-2', 'a', 'b']);
  });

  it('lends the slot of an invocation sleeping for its pacing slot, which then comes back first', async () => {
    const slots = new InvocationSlots(1);
    const order: string[] = [];
    await Promise.all([
      slots.run(async () => {
        order.push('paced: takes its slot');
        await InvocationSlots.idleWhile(() => sleep(30));
        order.push('paced: sends');
      }),
      slots.run(async () => {
        order.push('other: runs meanwhile');
        await sleep(60);
        order.push('other: done');
      }),
      slots.run(async () => {
        order.push('third');
        await sleep(1);
      }),
    ]);
    // The paced one took back the next free slot ahead of the third, which had waited longer.
    expect(order).toEqual([
      'paced: takes its slot',
      'other: runs meanwhile',
      'other: done',
      'paced: sends',
      'third',
    ]);
  });

  it("runs the handlers' pacing sleeps through the host's slots, and tells which steps hold a slot", async () => {
    const host = new FunctionHost({ maxConcurrentInvocations: 1 }, 'us-east-1', '000000000000');
    const order: string[] = [];
    await Promise.all([
      host.slots.run(async () => {
        await pacingSleep(30);
        order.push('slept');
      }),
      host.slots.run(async () => {
        order.push('ran while it slept');
        await sleep(1);
      }),
    ]);
    expect(order).toEqual(['ran while it slept', 'slept']);
    expect(holdsPacingSlot({ vendorWait: { reservedAt: 1, operation: 'getJob' } })).toBe(true);
    expect(holdsPacingSlot({ poll: { reservation: { reservedAt: 1 } } })).toBe(true);
    expect(holdsPacingSlot({ vendorWait: { seconds: 90, reason: 'throttled' } })).toBe(false);
    expect(holdsPacingSlot({ vendorWait: null, poll: { reservation: null } })).toBe(false);
    expect(holdsPacingSlot(null)).toBe(false);
  });

  it('refuses a limit that is not a whole number >= 1', () => {
    expect(() => new InvocationSlots(0)).toThrow(/maxConcurrentInvocations/);
    expect(() => new InvocationSlots(1.5)).toThrow(/maxConcurrentInvocations/);
  });
});

describe('a function host with one slot', () => {
  const spec = pipelineFunctions.find((f) => f.id === 'PollJob')!;
  const limits = { PollJob: { timeoutSeconds: 1, memoryMb: 128, ephemeralStorageMb: 512 } };

  it("starts an invocation's timeout and remaining time when it runs, not while it waits", async () => {
    const host = new FunctionHost(
      { functionLimits: limits, maxConcurrentInvocations: 1 },
      'us-east-1',
      '000000000000',
    );
    const lambda = new LambdaLimits(host.containers);
    const remaining: number[] = [];
    const work = async (_event: unknown, context: { getRemainingTimeInMillis(): number }) => {
      remaining.push(context.getRemainingTimeInMillis());
      await sleep(600);
      return 'done';
    };
    try {
      // Together 1.2 s, each within its 1 s timeout: the second waits 0.6 s for the slot first.
      const answers = await Promise.all([
        host.invoke(spec, {}, lambda, work as never),
        host.invoke(spec, {}, lambda, work as never),
      ]);
      expect(answers).toEqual(['done', 'done']);
      expect(remaining.every((ms) => ms > 900)).toBe(true);
      expect(host.slots.mostWaiting).toBe(1);
    } finally {
      host.containers.dispose();
    }
  });
});
