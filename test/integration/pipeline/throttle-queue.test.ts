/**
 * Throttling that queues, on the local runner: a Retry-After longer than a Lambda may sleep turns
 * into a Step Functions Wait of that length (jittered) before the step runs again, instead of
 * Retry attempts that fail the run; the shared pacing makes concurrent runs take turns.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionResult, HistoryEvent } from '../../../src/local/runner.ts';
import { LocalPipelineRunner } from '../../../src/local/runner.ts';
import {
  exampleSeedCsv,
  startPipelineHarness,
  type PipelineHarness,
} from '../../support/pipeline-harness.ts';

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness();
});
afterAll(async () => h?.stop());
beforeEach(() => {
  h.simulator.setFaults(undefined);
  h.simulator.resetCounters();
});

/** The `vendorWait` seconds each entry into the Wait state `state` slept (from the state input). */
function waitsOf(execution: ExecutionResult, state: string, path: 'dataset' | 'generation'): number[] {
  return execution.events
    .filter((e: HistoryEvent) => e.type === 'StateEntered' && e['state'] && stateName(e) === state)
    .map((e) => {
      const input = (e['state'] as { input?: Record<string, { vendorWait?: { seconds: number } }> }).input;
      return input?.[path]?.vendorWait?.seconds ?? Number.NaN;
    });
}

function stateName(event: HistoryEvent): string | undefined {
  return (event['state'] as { name?: string } | undefined)?.name;
}

function retriesOf(execution: ExecutionResult, state: string): number {
  return execution.events.filter((e) => e.type === 'StateRetried' && stateName(e) === state).length;
}

describe('a long Retry-After waits in Step Functions', () => {
  it('createGeneration throttled with Retry-After 90 s waits 90–108 s per refusal, then lands once', async () => {
    h.simulator.setFaults('POST /v1/datasets/*/generations:429x3@retry=90');
    const drop = await h.putSeed('throttle-gen', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const waits = waitsOf(execution!, 'WaitForVendorToGenerate', 'generation');
    expect(waits).toHaveLength(3);
    for (const seconds of waits) {
      expect(seconds).toBeGreaterThanOrEqual(90);
      expect(seconds).toBeLessThanOrEqual(108);
    }
    // The Wait did the waiting: no Retry attempt was spent and no Lambda slept through 90 s.
    expect(retriesOf(execution!, 'CreateGeneration')).toBe(0);
    expect(execution!.taskInvocations['CreateGeneration']).toBe(4);
    const counters = h.simulator.counters();
    expect(counters.generationsExecuted).toBe(1);
    expect(counters.duplicateWork).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run?.status).toBe('SUCCEEDED');
  });

  it('a seed upload throttled for 10 minutes waits twice and trains once', async () => {
    h.simulator.setFaults('POST /v1/datasets:429x2@retry=600');
    const drop = await h.putSeed('throttle-upload', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const waits = waitsOf(execution!, 'WaitForVendorToUpload', 'dataset');
    expect(waits).toHaveLength(2);
    for (const seconds of waits) expect(seconds).toBeGreaterThanOrEqual(600);
    expect(retriesOf(execution!, 'UploadSeed')).toBe(0);
    expect(h.simulator.counters().trainings).toBe(1);
  });

  it('a throttled poll comes back after the jittered Retry-After instead of failing', async () => {
    h.simulator.setFaults('GET /v1/jobs/*:429x2@retry=45');
    const drop = await h.putSeed('throttle-poll', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const pollWaits = execution!.events
      .filter((e) => e.type === 'StateEntered' && /^WaitFor(Training|Generation)$/.test(stateName(e) ?? ''))
      .map((e) => {
        const input = (e['state'] as { input: Record<string, { poll?: { nextWaitSeconds: number } }> }).input;
        return input['dataset']?.poll?.nextWaitSeconds ?? input['generation']?.poll?.nextWaitSeconds;
      });
    expect(pollWaits.filter((s) => s !== undefined && s >= 45 && s <= 54)).toHaveLength(2);
    expect(retriesOf(execution!, 'PollTraining') + retriesOf(execution!, 'PollGeneration')).toBe(0);
  });
});

describe('shared pacing across concurrent runs', () => {
  it('runs dropped together queue for the vendor instead of colliding with its rate limit', async () => {
    h.simulator.setFaults('*:rate=4/s');
    const runner = new LocalPipelineRunner({
      env: { ...h.env, VENDOR_REQUESTS_PER_SECOND: '2', VENDOR_REQUEST_BURST: '1' },
      retryIntervalMs: 5,
      // The pacing's UpdateItem on the state table is judged against each function's role.
      iam: h.environment.iam,
    });
    const drops = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        h.putSeed(`paced-${i}`, 'seed.csv', `${exampleSeedCsv(60)}Value,North,${20 + i},${i}.5\n`),
      ),
    );
    const { resetVendorClientForTests } = await import('../../../lambdas/commons/vendor.ts');
    resetVendorClientForTests();
    try {
      const results = await Promise.all(drops.map((drop) => runner.runSeedDrop(drop)));
      for (const { execution } of results) {
        expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
      }
      // Paced at half the vendor's limit, no request of the four runs was refused.
      expect(h.simulator.counters().faults['rate'] ?? 0).toBe(0);
      expect(h.simulator.counters().duplicateWork).toBe(0);
    } finally {
      delete process.env['VENDOR_REQUESTS_PER_SECOND'];
      delete process.env['VENDOR_REQUEST_BURST'];
      resetVendorClientForTests();
    }
  });
});
