/**
 * A step that runs out of time at scale must not fail the customer's run: a vendor call slower
 * than the poll function's timeout ends inside the client, before the invocation times out, and
 * the poll loop just goes round again; a function that reaches its own timeout throws
 * `InvocationTimeoutError`, which every Task's Retry matches (middy's bare `TimeoutError` matched
 * none, and the run failed at once).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineHandler } from '../../../lambdas/commons/handler.ts';
import { handler as resolveScenarios } from '../../../lambdas/resolve-scenarios.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

/** When set, the next ResolveScenarios invocation never answers (as one stuck on a hung call). */
let hangNextResolve = false;
let resolveInvocations = 0;

/** A function built on the same skeleton as every deployed one, whose work never ends. */
const stuck = defineHandler({
  name: 'Resolve scenarios (stuck)',
  input: z.unknown(),
  run: () => new Promise<never>(() => undefined),
});

const h = usePipelineHarness({
  runner: {
    lambdaLimits: { PollJob: { timeoutSeconds: 3 }, ResolveScenarios: { timeoutSeconds: 2 } },
    handlerOverrides: {
      ResolveScenarios: (event, context) => {
        resolveInvocations += 1;
        if (!hangNextResolve) return resolveScenarios(event, context);
        hangNextResolve = false;
        return stuck(event, context);
      },
    },
  },
});

beforeEach(() => {
  h.simulator.setFaults(undefined);
  h.simulator.resetCounters();
  resolveInvocations = 0;
});

function failedStates(events: readonly { type: string; [k: string]: unknown }[]) {
  return events
    .filter((e) => e.type === 'StateFailed')
    .map((e) => `${(e['state'] as { name: string }).name}:${String(e['Error'])}`);
}

describe('an invocation running out of time', () => {
  it('a job poll slower than the function timeout ends in the client and the loop polls again', async () => {
    // The first job poll answers after 6 s; PollJob has 3 s.
    h.simulator.setFaults('GET /v1/jobs/{job_id}:latency=6sx1');
    const drop = await h.putSeed('slowpoll', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    // No step failed: the slow call was one more turn of the poll loop, not a timed-out Lambda.
    expect(failedStates(execution!.events)).toEqual([]);
    const poll = execution!.functions.find((f) => f.functionId === 'PollJob');
    expect(poll!.maxDurationMs).toBeLessThan(3_000);
    expect(h.simulator.counters().calls['GET /v1/jobs/{job_id}']).toBeGreaterThanOrEqual(2);
    expect(h.simulator.counters().duplicateWork).toBe(0);
  });

  it('a function that reaches its timeout is retried by the state machine and the run lands', async () => {
    hangNextResolve = true;
    const drop = await h.putSeed('hungstep', 'seed.csv', exampleSeedCsv(130));
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    expect(failedStates(execution!.events)).toEqual(['ResolveScenarios:InvocationTimeoutError']);
    expect(execution!.events.filter((e) => e.type === 'StateRetried')).toHaveLength(1);
    expect(resolveInvocations).toBe(2);
    expect(await h.feedKeys('hungstep')).not.toEqual([]);
    expect(h.simulator.counters().duplicateWork).toBe(0);
  });
});
