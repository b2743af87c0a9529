import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  NoSuchUpload,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { abortStaleUploads, STALE_UPLOAD_AGE_MS } from '../../../src/landing/multipart.ts';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'eu-west-1' });
const KEY = 'synthetic/feed=f/scenario=s/dt=2026-11-30/gen_1.csv';
const NOW = new Date('2026-11-30T12:00:00Z');
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);

describe('abortStaleUploads', () => {
  beforeEach(() => s3Mock.reset());

  it('aborts only uploads of the key older than a landing can run', async () => {
    s3Mock.on(ListMultipartUploadsCommand).resolves({
      Uploads: [
        { Key: KEY, UploadId: 'old', Initiated: ago(STALE_UPLOAD_AGE_MS + 1) },
        { Key: KEY, UploadId: 'live', Initiated: ago(60_000) },
        { Key: `${KEY}.other`, UploadId: 'sibling', Initiated: ago(STALE_UPLOAD_AGE_MS * 2) },
      ],
    });
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
    expect(await abortStaleUploads(s3, 'out', KEY, NOW)).toBe(1);
    const aborted = s3Mock.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input.UploadId);
    expect(aborted).toEqual(['old']);
  });

  it('treats an upload that vanished since the listing as cleaned', async () => {
    s3Mock.on(ListMultipartUploadsCommand).resolves({
      Uploads: [{ Key: KEY, UploadId: 'gone', Initiated: ago(STALE_UPLOAD_AGE_MS * 2) }],
    });
    s3Mock.on(AbortMultipartUploadCommand).rejects(new NoSuchUpload({ message: 'gone', $metadata: {} }));
    expect(await abortStaleUploads(s3, 'out', KEY, NOW)).toBe(0);
  });

  it('reports other failures', async () => {
    s3Mock.on(ListMultipartUploadsCommand).resolves({
      Uploads: [{ Key: KEY, UploadId: 'old', Initiated: ago(STALE_UPLOAD_AGE_MS * 2) }],
    });
    s3Mock.on(AbortMultipartUploadCommand).rejects(new Error('AccessDenied'));
    await expect(abortStaleUploads(s3, 'out', KEY, NOW)).rejects.toThrow('AccessDenied');
  });
});
