import { context } from '../../support/lambda-env.ts';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/poll-job.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import type { Job } from '../../../src/client/contract.ts';
import { resetStateRepositoryForTests } from '../../../lambdas/commons/state.ts';
import { jobPriorSlot } from '../../../src/state/job-history.ts';
import { apiError, fakeApi, meta } from '../../support/fake-vendor-api.ts';

const ddb = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  ddb.reset();
  ddb.on(UpdateCommand).resolves({});
  // A fresh container: it remembers no feed's history counter.
  resetStateRepositoryForTests();
});
afterEach(() => resetVendorClientForTests());

const future = new Date(Date.now() + 3600_000).toISOString();
const poll = {
  status: 'running',
  jobId: 'job_gen1',
  attempt: 2,
  nextWaitSeconds: 8,
  deadlineAt: future,
  jobStatus: 'queued',
};
const input = { kind: 'generation', poll, expectedId: 'gen_1' };

function job(fields: Partial<Job>): Job {
  return {
    job_id: 'job_gen1',
    request_id: 'req_job',
    created_at: '2026-05-01T17:30:00Z',
    job_type: 'generation_create',
    status: 'running',
    stage: null,
    started_at: null,
    completed_at: null,
    dataset_id: 'ds_1',
    generation_id: null,
    error: null,
    meta,
    ...fields,
  };
}

describe('poll-job handler', () => {
  it('leaves the loop when the job completed with the expected id', async () => {
    setVendorClientForTests(
      fakeApi({ getJob: () => Promise.resolve(job({ status: 'completed', generation_id: 'gen_1' })) }),
    );
    expect(await handler(input, context)).toMatchObject({
      status: 'completed',
      attempt: 3,
      nextWaitSeconds: 0,
    });
  });

  it("records a finished job's vendor-timed duration in the feed's history and the deployment prior", async () => {
    setVendorClientForTests(
      fakeApi({
        getJob: () =>
          Promise.resolve(
            job({
              status: 'completed',
              generation_id: 'gen_1',
              started_at: '2026-05-01T17:30:05Z',
              completed_at: '2026-05-01T17:32:05Z',
            }),
          ),
      }),
    );
    // The feed's history holds 3 jobs: the write for a new feed loses and returns the item.
    ddb
      .on(UpdateCommand, {
        Key: { pk: 'FEED#retail', sk: 'JOBS#generation' },
        ConditionExpression: 'attribute_not_exists(seq)',
      })
      .rejects(
        Object.assign(new Error('failed'), {
          name: 'ConditionalCheckFailedException',
          Item: { seq: { N: '3' } },
        }),
      );
    await handler({ ...input, feed: 'retail', poll: { ...poll, size: 500 } }, context);
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const [lost, slot] = updates.filter((u) => u.Key?.pk === 'FEED#retail');
    expect(lost).toMatchObject({ ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    // One write for the prior: the feed's slot of the deployment item, no read, no condition.
    const prior = updates.filter((u) => u.Key?.pk === 'DEPLOYMENT');
    expect(prior).toEqual([
      expect.objectContaining({
        Key: { pk: 'DEPLOYMENT', sk: 'JOBS#generation' },
        UpdateExpression: 'SET #slot = :sample, #kind = :kind',
        ExpressionAttributeNames: { '#slot': jobPriorSlot('retail'), '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':sample': expect.objectContaining({ runSeconds: 120, size: 500, feed: 'retail' }),
          ':kind': 'generation',
        },
      }),
    ]);
    expect(prior[0]).not.toHaveProperty('ConditionExpression');
    expect(slot).toMatchObject({
      UpdateExpression: 'SET samples.#slot = :sample, seq = :seq, feed = :feed, #kind = :kind',
      ConditionExpression: 'seq = :expected',
      ExpressionAttributeNames: { '#slot': 's4' },
      ExpressionAttributeValues: {
        ':sample': {
          queueSeconds: 5,
          runSeconds: 120,
          size: 500,
          completedAt: '2026-05-01T17:32:05Z',
          seq: 4,
        },
      },
    });
  });

  it('records the feed history when the deployment prior cannot be written (a hot item throttled)', async () => {
    ddb
      .on(UpdateCommand, { Key: { pk: 'DEPLOYMENT', sk: 'JOBS#generation' } })
      .rejects(new Error('throttled'));
    setVendorClientForTests(
      fakeApi({ getJob: () => Promise.resolve(job({ status: 'completed', generation_id: 'gen_1' })) }),
    );
    expect(await handler({ ...input, feed: 'retail' }, context)).toMatchObject({ status: 'completed' });
    const feedWrites = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => c.args[0].input.Key?.pk === 'FEED#retail');
    // A new feed's history: one write, the item whole.
    expect(feedWrites.map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ ConditionExpression: 'attribute_not_exists(seq)' }),
    ]);
  });

  it('still leaves the loop when the history cannot be written', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    setVendorClientForTests(
      fakeApi({ getJob: () => Promise.resolve(job({ status: 'completed', generation_id: 'gen_1' })) }),
    );
    expect(await handler({ ...input, feed: 'retail' }, context)).toMatchObject({ status: 'completed' });
  });

  it('waits longer each time while the job runs', async () => {
    setVendorClientForTests(fakeApi({ getJob: () => Promise.resolve(job({ status: 'running' })) }));
    const out = await handler(input, context);
    expect(out).toMatchObject({ status: 'running', attempt: 3, jobStatus: 'running', deadlineAt: future });
    // Attempt 3 of the generation policy: 10 s × 2³, ±10 %.
    expect(out.nextWaitSeconds).toBeGreaterThanOrEqual(72);
    expect(out.nextWaitSeconds).toBeLessThanOrEqual(88);
  });

  it('turns a throttled poll into another wait that honours Retry-After', async () => {
    setVendorClientForTests(
      fakeApi({
        getJob: () =>
          Promise.reject(apiError(429, null, 'slow down', { retryable: true, retryAfterSeconds: 45 })),
      }),
    );
    // Retry-After plus up to 20 % jitter, so polls throttled together spread out.
    const next = (await handler(input, context)) as { status: string; nextWaitSeconds: number };
    expect(next.status).toBe('running');
    expect(next.nextWaitSeconds).toBeGreaterThanOrEqual(45);
    expect(next.nextWaitSeconds).toBeLessThanOrEqual(54);
  });

  it('fails with the job error code when the job failed', async () => {
    setVendorClientForTests(
      fakeApi({
        getJob: () =>
          Promise.resolve(
            job({
              status: 'failed',
              error: { code: 'simio_training_failed', message: 'no numeric columns' },
            }),
          ),
      }),
    );
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('VendorTerminalError');
    expect(JSON.parse(err.message)).toMatchObject({
      code: 'simio_training_failed',
      detail: 'no numeric columns',
      job_id: 'job_gen1',
      generation_id: 'gen_1',
      request_id: 'req_job',
    });
  });

  it('fails when a completed job lacks its result id', async () => {
    setVendorClientForTests(fakeApi({ getJob: () => Promise.resolve(job({ status: 'completed' })) }));
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(JSON.parse(err.message)).toMatchObject({ code: 'job_completed_without_id' });
  });

  it('gives up after the deadline', async () => {
    setVendorClientForTests(fakeApi());
    const late = { ...input, poll: { ...poll, deadlineAt: '2020-01-01T00:00:00Z' } };
    const err = (await handler(late, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('VendorTerminalError');
    expect(JSON.parse(err.message)).toMatchObject({ code: 'poll_deadline_exceeded' });
  });

  it('treats a vanished job (404) as terminal', async () => {
    setVendorClientForTests(
      fakeApi({ getJob: () => Promise.reject(apiError(404, 'simio_job_not_found', 'No such job')) }),
    );
    await expect(handler(input, context)).rejects.toMatchObject({ name: 'VendorTerminalError' });
  });
});
