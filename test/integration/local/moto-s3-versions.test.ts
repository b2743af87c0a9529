/**
 * What S3 answers for an object version that does not exist, and that the local moto answers the
 * same (src/local/moto-server.py): a deleted version is 404 `NoSuchVersion` for GET and copy and a
 * bare 404 for HEAD; a version id S3 could not have issued is 400 `InvalidArgument` "Invalid version
 * id specified" (HEAD: a bare 400), where plain moto answered 404 `NoSuchVersion`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig, startMoto, type RunningMoto } from '../../../src/local/moto.ts';

const BUCKET = 'versions-probe';
let moto: RunningMoto;
let s3: S3Client;
let deleted: string;
let current: string;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client(awsClientConfig(moto));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  deleted = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seed.csv', Body: 'a\n1\n' })))
    .VersionId!;
  current = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'seed.csv', Body: 'a\n2\n' })))
    .VersionId!;
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'seed.csv', VersionId: deleted }));
}, 60_000);
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
});

async function refusal(send: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const err = await send.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'S3 should have refused the request').toBeInstanceOf(S3ServiceException);
  const failure = err as S3ServiceException;
  return { name: failure.name, status: failure.$metadata.httpStatusCode };
}

const get = (VersionId: string) =>
  s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'seed.csv', VersionId }));
const head = (VersionId: string) =>
  s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'seed.csv', VersionId }));
const copy = (VersionId: string) =>
  s3.send(
    new CopyObjectCommand({
      Bucket: BUCKET,
      Key: 'copy.csv',
      CopySource: `${BUCKET}/seed.csv?versionId=${encodeURIComponent(VersionId)}`,
    }),
  );

describe('S3 object versions that do not exist, on the local moto', () => {
  it('serves the version that exists', async () => {
    const out = await get(current);
    expect(await out.Body?.transformToString()).toBe('a\n2\n');
    expect((await head(current)).VersionId).toBe(current);
  });

  it('answers a deleted version with 404 NoSuchVersion (GET, copy) and a bare 404 (HEAD)', async () => {
    expect(await refusal(get(deleted))).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(await refusal(copy(deleted))).toEqual({ name: 'NoSuchVersion', status: 404 });
    expect(await refusal(head(deleted))).toEqual({ name: 'NotFound', status: 404 });
  });

  it('refuses a version id S3 never issued with 400 InvalidArgument (HEAD: a bare 400)', async () => {
    for (const malformed of ['not-a-version', 'v1', `${current}x`]) {
      expect(await refusal(get(malformed))).toEqual({ name: 'InvalidArgument', status: 400 });
      expect(await refusal(copy(malformed))).toEqual({ name: 'InvalidArgument', status: 400 });
      expect(await refusal(head(malformed))).toMatchObject({ status: 400 });
    }
    const err = (await get('not-a-version').catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('Invalid version id specified');
  });
});
