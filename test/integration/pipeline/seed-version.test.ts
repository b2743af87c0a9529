/**
 * The seed is pinned by its S3 object version from the drop on. When that version is gone by the
 * time a step reads it (deleted between the drop and the upload, or a stale re-run of an old
 * drop), S3 answers 404 NoSuchVersion (GET) / a bare 404 (HEAD), and 400 InvalidArgument for a
 * version id it never issued (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * On moto as AWS (src/local/moto-server.py), the run must fail at once with an error naming the
 * bucket, key and version and saying to drop the file again, record the failure, buy no training
 * and not retry.
 */
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalPipelineRunner, type SeedDrop } from '../../../src/local/runner.ts';
import { asSeedUnavailable, isMissingObjectVersion } from '../../../src/pipeline/s3-seed-source.ts';
import type { LocalHandler } from '../../../src/local/runner-types.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();
beforeEach(() => h.simulator.resetCounters());

/** A runner whose UploadSeed first lets `before` act on S3 (the world changing under the run). */
async function runnerWith(
  before: (event: { seed: SeedDrop }) => Promise<unknown>,
): Promise<LocalPipelineRunner> {
  const { handler } = (await import('../../../lambdas/upload-seed.ts')) as { handler: LocalHandler };
  return new LocalPipelineRunner({
    env: h.env,
    iam: h.environment.iam,
    functionLimits: h.environment.stack.functionLimits,
    handlerOverrides: {
      UploadSeed: async (event, context) => handler(await before(event as { seed: SeedDrop }), context),
    },
  });
}

async function deleteVersion(drop: SeedDrop): Promise<void> {
  await h.s3.send(
    new DeleteObjectCommand({ Bucket: drop.bucket, Key: drop.key, VersionId: drop.versionId! }),
  );
}

function expectNoTraining(): void {
  const counters = h.simulator.counters();
  expect(counters.calls['POST /v1/datasets'] ?? 0).toBe(0);
  expect(counters.trainings).toBe(0);
}

describe('a seed version that no longer exists', () => {
  it('fails the upload at once when the version is deleted between the drop and the upload', async () => {
    const drop = await h.putSeed('vanishing', 'seed.csv', exampleSeedCsv());
    // A newer version of the same key stays: the run must not quietly take it instead.
    const newer = await h.putSeed('vanishing', 'seed.csv', exampleSeedCsv(150));
    expect(drop.versionId).toBeTruthy();
    const runner = await runnerWith(async (event) => {
      await deleteVersion(drop);
      return event;
    });
    try {
      const { execution } = await runner.runSeedDrop(drop);
      expect(execution?.status).toBe('FAILED');
      expect(execution?.error).toBe('InputValidationError');
      // Not retried: one invocation, then the catcher recorded the failure.
      expect(execution?.taskInvocations['UploadSeed']).toBe(1);
      expect(execution?.taskInvocations['RecordFailure']).toBe(1);
      const run = await h.repo.getRun(execution!.name);
      expect(run).toMatchObject({
        status: 'FAILED',
        failure: { code: 'seed_missing', error: 'InputValidationError' },
      });
      const detail = run?.failure?.detail ?? '';
      expect(detail).toContain(`s3://${drop.bucket}/${drop.key} version ${drop.versionId}`);
      expect(detail).toContain('NoSuchVersion');
      expect(detail).toMatch(/Drop the file again/);
      expect(run?.eventsPublishedAt).toBeTruthy();
      expectNoTraining();
      // The newer version is untouched: the seed the user still has stays.
      const head = await h.s3.send(new HeadObjectCommand({ Bucket: drop.bucket, Key: drop.key }));
      expect(head.VersionId).toBe(newer.versionId);
    } finally {
      runner.dispose();
    }
  }, 120_000);

  it('fails the same way for a version id S3 never issued (400 InvalidArgument), without retrying', async () => {
    const drop = await h.putSeed('garbled', 'seed.csv', exampleSeedCsv());
    const runner = await runnerWith((event) =>
      Promise.resolve({ ...event, seed: { ...event.seed, versionId: 'not-an-s3-version' } }),
    );
    try {
      const { execution } = await runner.runSeedDrop(drop);
      expect(execution?.status).toBe('FAILED');
      expect(execution?.taskInvocations['UploadSeed']).toBe(1);
      const run = await h.repo.getRun(execution!.name);
      expect(run?.failure).toMatchObject({ code: 'seed_missing' });
      expect(run?.failure?.detail).toContain(`s3://${drop.bucket}/${drop.key} version not-an-s3-version`);
      expect(run?.failure?.detail).toContain('InvalidArgument');
      expectNoTraining();
    } finally {
      runner.dispose();
    }
  }, 120_000);

  it('rejects a stale drop whose version is already gone, naming the version, with no execution', async () => {
    const drop = await h.putSeed('stale', 'seed.csv', exampleSeedCsv());
    await h.putSeed('stale', 'seed.csv', exampleSeedCsv(130));
    await deleteVersion(drop);
    for (const versionId of [drop.versionId, 'not-an-s3-version']) {
      const { outcome, execution } = await h.runner.runSeedDrop({ ...drop, versionId });
      expect(execution).toBeNull();
      expect(outcome).toMatchObject({ outcome: 'rejected', code: 'object_missing' });
      const reason = (outcome as { reason: string }).reason;
      expect(reason).toContain(`s3://${drop.bucket}/${drop.key} version ${versionId}`);
      expect(reason).toMatch(/drop it again/);
      const run = await h.repo.getRun((outcome as { runId: string }).runId);
      expect(run).toMatchObject({ status: 'REJECTED', rejection: { code: 'object_missing' } });
    }
    expectNoTraining();
  }, 120_000);
});

/** An S3 error as the SDK throws it: `name` the error code, `Code` only when the answer had a body. */
function s3Error(name: string, status: number, fields: Record<string, unknown> = {}): Error {
  const body = name === 'Unknown' ? {} : { Code: name };
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, ...body, ...fields });
}

describe('which S3 400s mean the pinned version is gone', () => {
  const version = '3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY';
  it.each([
    [
      'GET/Copy of a version id S3 never issued',
      s3Error('InvalidArgument', 400, { ArgumentName: 'versionId' }),
    ],
    ['HEAD of it: a bare 400 the SDK calls Unknown', s3Error('Unknown', 400)],
    [
      'HEAD of it: a bare 400 older SDKs call BadRequest',
      Object.assign(s3Error('Unknown', 400), { name: 'BadRequest' }),
    ],
    ['a deleted version', s3Error('NoSuchVersion', 404)],
  ])('%s: seed_missing', (_what, err) => {
    expect(isMissingObjectVersion(err, version)).toBe(true);
    expect(asSeedUnavailable(err, { bucket: 'b', key: 'k', versionId: version })?.code).toBe('seed_missing');
  });

  it.each([
    ['a KMS key that is disabled', s3Error('KMS.DisabledException', 400)],
    ['SSE-C parameters missing', s3Error('InvalidRequest', 400)],
    [
      'an InvalidArgument about another header',
      s3Error('InvalidArgument', 400, { ArgumentName: 'x-amz-server-side-encryption' }),
    ],
    ['a 400 with any other code', s3Error('BadDigest', 400)],
  ])('%s: its own error, not "drop the file again"', (_what, err) => {
    expect(isMissingObjectVersion(err, version)).toBe(false);
    expect(asSeedUnavailable(err, { bucket: 'b', key: 'k', versionId: version })).toBeNull();
  });

  it('without a pinned version no 400 means a missing version', () => {
    expect(isMissingObjectVersion(s3Error('InvalidArgument', 400, { ArgumentName: 'versionId' }), null)).toBe(
      false,
    );
    expect(isMissingObjectVersion(s3Error('Unknown', 400), undefined)).toBe(false);
  });
});
