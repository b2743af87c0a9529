/**
 * Throttling that queues, on the local runner: a Retry-After longer than a Lambda may sleep turns
 * into a Step Functions Wait of that length (jittered) before the step runs again, instead of
 * Retry attempts that fail the run; the shared pacing makes concurrent runs take turns, a step
 * refused by it reserves its slot, and the step's next run goes on that slot without a second take.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as createGenerationHandler } from '../../../lambdas/create-generation.ts';
import { handler as landArtifactHandler } from '../../../lambdas/land-artifact.ts';
import { handler as resolveScenariosHandler } from '../../../lambdas/resolve-scenarios.ts';
import { onAwsClient } from '../../../lambdas/commons/clients/lazy.ts';
import { handler as pollJobHandler } from '../../../lambdas/poll-job.ts';
import { handler as uploadSeedHandler } from '../../../lambdas/upload-seed.ts';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPacer, PACING_SORT_KEY, RESERVATION_GRACE_MS } from '../../../src/client/index.ts';
import type { LocalHandler } from '../../../src/local/runner-types.ts';
import type { ExecutionResult, HistoryEvent, SeedDrop } from '../../../src/local/runner.ts';
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

/**
 * Runs `drops` on `runner` (its environment sets the pacing) with fresh vendor clients, expecting
 * every run to succeed; then clears what the runner left in the process's environment.
 */
async function runPaced(runner: LocalPipelineRunner, drops: readonly SeedDrop[]): Promise<ExecutionResult[]> {
  const { resetVendorClientForTests } = await import('../../../lambdas/commons/vendor.ts');
  resetVendorClientForTests();
  try {
    const results = await Promise.all(drops.map((drop) => runner.runSeedDrop(drop)));
    return results.map(({ execution }) => {
      expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
      return execution!;
    });
  } finally {
    delete process.env['VENDOR_REQUESTS_PER_SECOND'];
    delete process.env['VENDOR_REQUEST_BURST'];
    resetVendorClientForTests();
  }
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
  it('runs dropped together queue for the vendor on reserved slots instead of colliding with its rate limit', async () => {
    h.simulator.setFaults('*:rate=4/s');
    const observed: StepInvocation[] = [];
    const runner = new LocalPipelineRunner({
      env: { ...h.env, VENDOR_REQUESTS_PER_SECOND: '2', VENDOR_REQUEST_BURST: '1' },
      retryIntervalMs: 5,
      // Paced waits (and polls waiting for their reserved slot) sleep their real seconds.
      realVendorWaits: true,
      handlerOverrides: {
        UploadSeed: observedStep(uploadSeedHandler, observed),
        CreateGeneration: observedStep(createGenerationHandler, observed),
        PollJob: observedStep(pollJobHandler, observed),
      },
      // The pacing's UpdateItem on the state table is judged against each function's role.
      iam: h.environment.iam,
    });
    const drops = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        h.putSeed(`paced-${i}`, 'seed.csv', `${exampleSeedCsv(60)}Value,North,${20 + i},${i}.5\n`),
      ),
    );
    await runPaced(runner, drops);
    // Paced at half the vendor's limit, no request of the four runs was refused.
    expect(h.simulator.counters().faults['rate'] ?? 0).toBe(0);
    expect(h.simulator.counters().duplicateWork).toBe(0);
    // Four uploads at once at 2/s: the later ones reserve their slots and wait for them.
    const reserving = observed.filter((call) => call.reserved !== null);
    expect(reserving.length).toBeGreaterThan(0);
    for (const call of reserving) expect(call.takes).toBe(1);
    // A step that comes back on time for its reservation sends without taking a second slot.
    const onTime = observed.filter(
      (call) =>
        call.held !== null && !call.retryCount && call.startedAt - call.held <= RESERVATION_GRACE_MS - 50,
    );
    expect(onTime.length).toBeGreaterThan(0);
    for (const call of onTime) {
      expect(call.takes, JSON.stringify(call)).toBe(0);
      expect(call.reserved).toBeNull();
    }
  });
});

describe('steps that send several vendor requests, behind a deep pacing queue', () => {
  /** Other runs have reserved the next `ms` of the deployment's pacing (its bucket's `tat`). */
  async function queueAhead(ms: number): Promise<void> {
    const dynamo = DynamoDBDocumentClient.from(h.environment.clients.dynamodb);
    const { Items } = await dynamo.send(new ScanCommand({ TableName: h.names.table }));
    const item = (Items ?? []).find((i) => i['sk'] === PACING_SORT_KEY);
    expect(item, 'the pacing item').toBeDefined();
    await dynamo.send(
      new UpdateCommand({
        TableName: h.names.table,
        Key: { pk: item!['pk'], sk: PACING_SORT_KEY },
        UpdateExpression: 'SET tat = :tat',
        ExpressionAttributeValues: { ':tat': Date.now() + ms },
      }),
    );
  }

  it('ResolveScenarios and LandArtifact reserve a slot per request and wait in a Wait state, not their Retry', async () => {
    const observed: StepInvocation[] = [];
    const queuedBefore = new Set<string>();
    /** Before the step's first run, the queue is 7 s deep: deeper than a read sleeps (5 s). */
    const behindQueue = (step: string, handler: LocalHandler): LocalHandler =>
      observedStep(async (event, context) => {
        if (!queuedBefore.has(step)) {
          queuedBefore.add(step);
          await queueAhead(7_000);
        }
        return handler(event, context);
      }, observed);
    const runner = new LocalPipelineRunner({
      env: { ...h.env, VENDOR_REQUESTS_PER_SECOND: '5', VENDOR_REQUEST_BURST: '1' },
      retryIntervalMs: 5,
      realVendorWaits: true,
      handlerOverrides: {
        ResolveScenarios: behindQueue('ResolveScenarios', resolveScenariosHandler),
        LandArtifact: behindQueue('LandArtifact', landArtifactHandler),
      },
      iam: h.environment.iam,
    });
    const drop = await h.putSeed('paced-reads', 'seed.csv', exampleSeedCsv(80));
    const execution = (await runPaced(runner, [drop]))[0]!;
    for (const [step, wait] of [
      ['ResolveScenarios', 'WaitForVendorToResolve'],
      ['LandArtifact', 'WaitForVendorToLand'],
    ] as const) {
      const runs = observed.filter((call) => call.functionName.includes(step));
      // Refused once (one take, reserving a slot for each request), then sent on them (no take).
      expect(
        runs.map((call) => call.takes),
        step,
      ).toEqual([1, 0]);
      expect(runs[0]!.reserved, step).not.toBeNull();
      expect(runs[1]!.held, step).toBe(runs[0]!.reserved);
      expect(retriesOf(execution, step), step).toBe(0);
      const entered = execution.events.filter((e) => e.type === 'StateEntered' && stateName(e) === wait);
      expect(entered, wait).toHaveLength(1);
    }
    expect(h.simulator.counters().duplicateWork).toBe(0);
    expect(await h.feedKeys('paced-reads')).toHaveLength(1);
  });
});

describe('a Retry of a step that held a reservation', () => {
  it('takes a fresh slot: the failed attempt may already have sent on the reserved one', async () => {
    const observed: StepInvocation[] = [];
    const observedUpload = observedStep(uploadSeedHandler, observed);
    let failedAfterSending = false;
    const runner = new LocalPipelineRunner({
      env: { ...h.env, VENDOR_REQUESTS_PER_SECOND: '1', VENDOR_REQUEST_BURST: '1' },
      retryIntervalMs: 5,
      realVendorWaits: true,
      handlerOverrides: {
        // The attempt that goes on its reserved slot sends the upload, then its Lambda fails
        // (the connection dropped after the request went): the Retry policy runs it again.
        UploadSeed: async (event, context) => {
          const out = await observedUpload(event, context);
          if (reservationIn(event) !== null && !failedAfterSending) {
            failedAfterSending = true;
            throw Object.assign(new Error('the upload was sent; the invocation failed after it'), {
              name: 'Lambda.ServiceException',
            });
          }
          return out;
        },
      },
      iam: h.environment.iam,
    });
    // Other work holds the deployment's next 6 s of vendor requests: the upload reserves its slot.
    const pacer = new DynamoDbPacer({
      tableName: h.names.table,
      dynamo: DynamoDBDocumentClient.from(h.environment.clients.dynamodb),
      clientId: h.simulator.demoTenant.clientId,
      requestsPerSecond: 1,
      burst: 1,
      maxInlineWaitOtherMs: 10_000,
      sleep: () => Promise.resolve(),
    });
    for (let i = 0; i < 6; i += 1) await pacer.acquire('getDatasetSchema');
    const drop = await h.putSeed('paced-retry', 'seed.csv', exampleSeedCsv(40));
    const execution = (await runPaced(runner, [drop]))[0]!;
    expect(retriesOf(execution, 'UploadSeed')).toBe(1);
    const uploads = observed.filter((call) => call.functionName.endsWith('UploadSeed'));
    const [reserving, onSlot, retried] = uploads;
    expect(uploads, JSON.stringify(uploads)).toHaveLength(3);
    expect(reserving).toMatchObject({ held: null, takes: 1, retryCount: 0 });
    expect(reserving!.reserved).not.toBeNull();
    // The attempt on the slot took nothing; its Retry, within the grace of the same slot, took one.
    expect(onSlot).toMatchObject({ held: reserving!.reserved, takes: 0, retryCount: 0 });
    expect(retried).toMatchObject({ held: reserving!.reserved, retryCount: 1, takes: 1 });
    expect(retried!.startedAt - retried!.held!).toBeLessThanOrEqual(RESERVATION_GRACE_MS);
    expect(h.simulator.counters().trainings).toBe(1);
    expect(h.simulator.counters().duplicateWork).toBe(0);
  });
});

/** One invocation of a vendor-calling step: the reservation it held and made, and its pacing writes. */
interface StepInvocation {
  readonly functionName: string;
  readonly startedAt: number;
  /** `reservedAt` of the reservation its input carried. */
  readonly held: number | null;
  /** `reservedAt` of the reservation it returned (it waits for it). */
  readonly reserved: number | null;
  /** Applied UpdateItem calls on the pacing item: the slots it took. */
  readonly takes: number;
  /** `$$.State.RetryCount` as the state machine passed it. */
  readonly retryCount: number | null;
}

const pacingWrites = new AsyncLocalStorage<{ takes: number }>();
onAwsClient((client) => {
  (client.middlewareStack.add as (mw: unknown, options: unknown) => void)(
    (
      next: (args: { input: Record<string, unknown> }) => Promise<unknown>,
      context: { commandName?: string },
    ) =>
      async (args: { input: Record<string, unknown> }) => {
        const store = pacingWrites.getStore();
        const key = JSON.stringify(args.input['Key'] ?? null);
        const result = await next(args);
        // Counted once applied: a take that lost a race (condition failed) threw above.
        if (store && context.commandName === 'UpdateItemCommand' && key.includes(`"${PACING_SORT_KEY}"`))
          store.takes += 1;
        return result;
      },
    { step: 'serialize', name: 'throttleQueuePacingWrites', override: true },
  );
});

/** The reservation (its `reservedAt`) a step's input or output carries, if any. */
function reservationIn(value: unknown): number | null {
  const v = value as {
    vendorWait?: { reservedAt?: number } | null;
    poll?: { reservation?: { reservedAt: number } | null };
    reservation?: { reservedAt: number } | null;
  } | null;
  return v?.vendorWait?.reservedAt ?? v?.poll?.reservation?.reservedAt ?? v?.reservation?.reservedAt ?? null;
}

function observedStep(handler: LocalHandler, into: StepInvocation[]): LocalHandler {
  return async (event, context) => {
    const store = { takes: 0 };
    const startedAt = Date.now();
    const output = await pacingWrites.run(store, () => handler(event, context));
    into.push({
      functionName: context.functionName,
      startedAt,
      held: reservationIn(event),
      reserved: reservationIn(output),
      takes: store.takes,
      retryCount: (event as { retryCount?: number } | null)?.retryCount ?? null,
    });
    return output;
  };
}
