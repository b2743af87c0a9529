import { crc32 } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LandingStorageError } from '../../../src/landing/errors.ts';
import { MultipartUpload } from '../../../src/landing/multipart.ts';
import { awsClientConfig, startMoto, type RunningMoto } from '../../../src/local/moto.ts';

let moto: RunningMoto;
let s3: S3Client;
const bucket = 'part-integrity';
/** Headers of the requests sent with a body, and whether to flip the first byte of the next one. */
const sent: Array<Record<string, string>> = [];
let corruptNext = false;

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client(awsClientConfig(moto));
  // After signing: what travels on the wire, and a byte flipped on the way as a faulty network would.
  s3.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers: Record<string, string>; body?: unknown };
      if (Buffer.isBuffer(request.body)) {
        sent.push({ ...request.headers });
        if (corruptNext) {
          corruptNext = false;
          const body = Buffer.from(request.body);
          body[0] = body[0]! ^ 0xff;
          request.body = body;
        }
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'wireObserver' },
  );
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}, 60_000);
afterAll(async () => {
  await moto?.stop();
});

const crcOf = (bytes: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes));
  return out.toString('base64');
};

describe('landing part integrity on the local S3', () => {
  it('sends each part with a CRC32 S3 verifies instead of hashing the payload for the signature', async () => {
    const upload = await MultipartUpload.create(s3, {
      bucket,
      key: 'crc/ok.csv',
      kmsKeyId: 'alias/aws/s3',
      contentType: 'text/csv',
    });
    const part = Buffer.from('id,segment\n1,a\n');
    sent.length = 0;
    await upload.uploadPart(part);
    expect(sent[0]?.['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(sent[0]?.['x-amz-checksum-crc32']).toBe(crcOf(part));
    // The checksum header is signed, so it cannot be swapped along with the bytes.
    expect(sent[0]?.['authorization']).toContain('x-amz-checksum-crc32');
    await upload.complete();
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'crc/ok.csv' }));
    expect(Buffer.from(await out.Body!.transformToByteArray())).toEqual(part);
  });

  it('refuses a part whose bytes changed on the way (BadDigest), as S3 does', async () => {
    const upload = await MultipartUpload.create(s3, {
      bucket,
      key: 'crc/corrupt.csv',
      kmsKeyId: 'alias/aws/s3',
      contentType: 'text/csv',
    });
    corruptNext = true;
    const failure = await upload.uploadPart(Buffer.from('id,segment\n2,b\n')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(LandingStorageError);
    expect(((failure as Error).cause as Error).name).toBe('BadDigest');
    expect(await upload.abort()).toBe(true);
  });

  it('refuses a signed payload whose SHA-256 does not match (XAmzContentSHA256Mismatch)', async () => {
    corruptNext = true;
    const put = s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'crc/signed.csv',
        Body: Buffer.from('id\n3\n'),
        ChecksumAlgorithm: undefined,
      }),
    );
    await expect(put).rejects.toMatchObject({
      name: expect.stringMatching(/XAmzContentSHA256Mismatch|BadDigest/),
    });
  });
});
