import { context } from '../../support/lambda-env.ts';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../lambdas/create-generation.ts';
import { logger, metrics } from '../../../lambdas/commons/observability.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import type { CreateGenerationResult } from '../../../src/client/contract.ts';
import { VendorPacingError } from '../../../src/client/index.ts';
import { apiError, fakeApi, meta } from '../../support/fake-vendor-api.ts';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
});
afterEach(() => {
  resetVendorClientForTests();
  vi.restoreAllMocks();
});

const resolved = {
  scenario: {
    name: 'premium',
    row_count: 500,
    output_format: 'csv',
    seed: 7,
    conditions: { categorical: { Segment: { Premium: 1 } } },
  },
  conditions: { categorical: { segment: { Premium: 1 } } },
  requestedConditions: { categorical: { Segment: { Premium: 1 } } },
  mappings: [],
  clamps: [],
  warnings: [],
};
const input = { runId: 'run-1', feed: 'retail-panel', datasetId: 'ds_1', resolved };

function answer(fields: Partial<CreateGenerationResult>): CreateGenerationResult {
  return {
    generation_id: 'gen_1',
    dataset_id: 'ds_1',
    status: 'processing',
    request_id: 'req_gen',
    job_id: 'job_gen1',
    output_format: 'csv',
    rows_requested: 500,
    rows_generated: null,
    expires_at: null,
    meta,
    ...fields,
  };
}

describe('create-generation handler', () => {
  it("places the first poll from the feed's past generations (cold feed: the policy's 10 s)", async () => {
    setVendorClientForTests(fakeApi({ createGeneration: () => Promise.resolve(answer({})) }));
    const cold = (await handler(input, context)) as { poll: { nextWaitSeconds: number; estimate: unknown } };
    expect(cold.poll.estimate).toBeNull();
    expect(cold.poll.nextWaitSeconds).toBeGreaterThanOrEqual(9);
    expect(cold.poll.nextWaitSeconds).toBeLessThanOrEqual(11);
    const past = (seq: number, runSeconds: number) => ({
      seq,
      queueSeconds: 0,
      runSeconds,
      size: 500,
      completedAt: 'x',
    });
    ddb.on(GetCommand, { Key: { pk: 'FEED#retail-panel', sk: 'JOBS#generation' } }).resolves({
      Item: { samples: { s1: past(1, 118), s2: past(2, 122), s3: past(3, 120) } },
    });
    const warm = await handler(input, context);
    expect(warm).toMatchObject({
      // 120 s + max(3 s, 4 %, 1.5 × spread) = 124.8 s.
      poll: { estimate: { runSeconds: 120, samples: 3 }, size: 500, nextWaitSeconds: 125 },
    });
  });

  it("places a feed's first generation from other feeds' (the deployment prior, read only then)", async () => {
    setVendorClientForTests(fakeApi({ createGeneration: () => Promise.resolve(answer({})) }));
    const recent = new Date(Date.now() - 3600_000).toISOString();
    ddb.on(GetCommand, { Key: { pk: 'DEPLOYMENT', sk: 'JOBS#generation' } }).resolves({
      Item: {
        slot03: { queueSeconds: 2, runSeconds: 30, size: 250, completedAt: recent, feed: 'a' },
        slot17: { queueSeconds: 2, runSeconds: 64, size: 500, completedAt: recent, feed: 'b' },
        slot20: { runSeconds: 'slow' },
      },
    });
    const first = await handler(input, context);
    // 30 s for 250 rows scales to 60 s for 500; the median of 60 and 64 s.
    expect(first).toMatchObject({
      poll: { estimate: { runSeconds: 62, samples: 2, source: 'deployment' }, size: 500 },
    });
    const reads = ddb.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(reads.map((r) => r.Key)).toEqual([
      { pk: 'FEED#retail-panel', sk: 'JOBS#generation' },
      { pk: 'DEPLOYMENT', sk: 'JOBS#generation' },
    ]);
    // Only the prior's slots are read, whatever else the item holds.
    expect(Object.values(reads[1]!.ExpressionAttributeNames ?? {})).toHaveLength(32);
  });

  it('creates the generation on the backoff when a job history read fails, and counts the failure', async () => {
    setVendorClientForTests(fakeApi({ createGeneration: () => Promise.resolve(answer({})) }));
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const warn = vi.spyOn(logger, 'warn');
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    ddb.on(GetCommand, { Key: { pk: 'DEPLOYMENT', sk: 'JOBS#generation' } }).rejects(throttled);
    const first = (await handler(input, context)) as { poll: { nextWaitSeconds: number; estimate: unknown } };
    expect(first).toMatchObject({ generationId: 'gen_1', poll: { status: 'running', estimate: null } });
    expect(first.poll.nextWaitSeconds).toBeGreaterThanOrEqual(9);
    expect(first.poll.nextWaitSeconds).toBeLessThanOrEqual(11);
    expect(addMetric).toHaveBeenCalledWith('JobPriorReadFailures', 'Count', 1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('deployment prior'), { error: throttled });

    // The feed's own history failing: no estimate either, and the prior is not read in its place.
    ddb.reset();
    addMetric.mockClear();
    ddb.on(GetCommand, { Key: { pk: 'FEED#retail-panel', sk: 'JOBS#generation' } }).rejects(throttled);
    expect(await handler(input, context)).toMatchObject({ poll: { estimate: null } });
    expect(addMetric).toHaveBeenCalledWith('JobHistoryReadFailures', 'Count', 1);
    expect(addMetric).not.toHaveBeenCalledWith('JobPriorReadFailures', 'Count', 1);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
  });

  it('reads the job history only once the request is accepted, and not for a synchronous answer', async () => {
    const historyReads = () =>
      ddb.commandCalls(GetCommand).filter((c) => String(c.args[0].input.Key?.['sk']).startsWith('JOBS#'))
        .length;
    // Refused by the shared pacing: the step waits its turn in Step Functions and runs again.
    const reservedAt = Date.now() + 60_000;
    const refused = new VendorPacingError('createGeneration', 60, {
      operation: 'createGeneration',
      reservedAt,
    });
    setVendorClientForTests(fakeApi({ createGeneration: () => Promise.reject(refused) }));
    const waiting = await handler(input, context);
    expect(waiting).toMatchObject({ vendorWait: { reason: 'paced', reservedAt } });
    expect(historyReads()).toBe(0);
    // Accepted: the feed's own history (empty here), then the deployment prior.
    setVendorClientForTests(fakeApi({ createGeneration: () => Promise.resolve(answer({})) }));
    expect(await handler(input, context)).toMatchObject({ poll: { status: 'running' } });
    expect(historyReads()).toBe(2);
    // A synchronous answer has no job to poll: nothing to place.
    ddb.resetHistory();
    setVendorClientForTests(
      fakeApi({ createGeneration: () => Promise.resolve(answer({ status: 'ready', job_id: null })) }),
    );
    expect(await handler(input, context)).toMatchObject({ poll: { status: 'completed' } });
    expect(historyReads()).toBe(0);
  });

  it('sends the resolved conditions with a key stable per dataset, scenario and run', async () => {
    const api = fakeApi({ createGeneration: () => Promise.resolve(answer({})) });
    setVendorClientForTests(api);
    const out = await handler(input, context);
    expect(out).toMatchObject({ generationId: 'gen_1', jobId: 'job_gen1', poll: { status: 'running' } });
    const req = api.createGeneration.mock.calls[0]![0];
    expect(req).toMatchObject({
      datasetId: 'ds_1',
      row_count: 500,
      output_format: 'csv',
      seed: 7,
      conditions: { categorical: { segment: { Premium: 1 } } },
    });
    expect(req.idempotencyKey).toMatch(/^gen-[0-9a-f]{64}$/);
    await handler(input, context);
    expect(api.createGeneration.mock.calls[1]![0].idempotencyKey).toBe(req.idempotencyKey);
    await handler({ ...input, runId: 'run-2' }, context);
    expect(api.createGeneration.mock.calls[2]![0].idempotencyKey).not.toBe(req.idempotencyKey);
  });

  it('omits conditions for unconditioned scenarios and skips polling for synchronous partials', async () => {
    const api = fakeApi({
      createGeneration: () =>
        Promise.resolve(answer({ status: 'partial', job_id: null, rows_generated: 400 })),
    });
    setVendorClientForTests(api);
    const out = await handler({ ...input, resolved: { ...resolved, conditions: null } }, context);
    expect(api.createGeneration.mock.calls[0]![0]).not.toHaveProperty('conditions');
    expect(out).toMatchObject({ status: 'partial', rowsGenerated: 400, poll: { status: 'completed' } });
  });

  it('maps vendor refusals to terminal errors carrying code, request id and dataset', async () => {
    setVendorClientForTests(
      fakeApi({
        createGeneration: () => Promise.reject(apiError(402, 'simio_quota_exhausted', 'Quota exhausted')),
      }),
    );
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('VendorTerminalError');
    expect(JSON.parse(err.message)).toMatchObject({
      code: 'simio_quota_exhausted',
      status: 402,
      dataset_id: 'ds_1',
      request_id: 'req_problem1',
    });
  });

  it('lets Step Functions retry throttling', async () => {
    setVendorClientForTests(
      fakeApi({ createGeneration: () => Promise.reject(apiError(429, null, 'slow', { retryable: true })) }),
    );
    await expect(handler(input, context)).rejects.toMatchObject({ name: 'VendorRetryableError' });
  });
});
