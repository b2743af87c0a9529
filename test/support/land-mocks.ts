/**
 * The AWS side of landArtifact's unit tests: S3 and KMS mocked (reset before each test), the
 * landing input and dependencies, and what the landing wrote.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach } from 'vitest';
import type { LandArtifactDeps, LandArtifactInput } from '../../src/landing/land.ts';
import type { LandingManifest } from '../../src/landing/manifest.ts';
import type { fakeApi } from './fake-vendor-api.ts';
import { DATASET_ID, GENERATION_ID } from '../unit/landing/fixtures.ts';

export const s3Mock = mockClient(S3Client);
export const kmsMock = mockClient(KMSClient);
export const s3 = new S3Client({ region: 'us-east-1' });
export const kms = new KMSClient({ region: 'us-east-1' });

export const input: LandArtifactInput = {
  runId: 'run_1',
  feed: 'retail-panel',
  scenario: { name: 'baseline', row_count: 3, output_format: 'csv' },
  datasetId: DATASET_ID,
  generationId: GENERATION_ID,
  requestedConditions: { categorical: { segment: { a: 0.5, b: 0.5 } } },
  clamps: [],
  mappings: [{ requested: 'Segment', resolved: 'segment', via: 'normalised', kind: 'categorical' }],
  requestIds: { createGeneration: 'req_create1' },
};

export const dataKey =
  'synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-01/generation=gen_abc123/gen_abc123.csv';
export const manifestKey = '_manifests/feed=retail-panel/scenario=baseline/dt=2026-05-01/gen_abc123.json';

export function deps(
  api: ReturnType<typeof fakeApi>,
  extra: Partial<LandArtifactDeps> = {},
): LandArtifactDeps {
  return {
    api,
    s3,
    kms,
    bucket: 'lake',
    outputKmsKeyId: 'arn:aws:kms:us-east-1:1:key/out',
    partBytes: 16,
    now: () => new Date('2026-05-01T18:00:00Z'),
    ...extra,
  };
}

/** The bodies of the parts uploaded in the current test, copied (the sink reuses its buffers). */
export let uploadedBodies: Buffer[] = [];

export function noSuchKey(): Error {
  return Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
}

/** Resets the S3 and KMS mocks before each test: no object yet, every upload step succeeds. */
export function useLandMocks(): void {
  beforeEach(() => {
    s3Mock.reset();
    kmsMock.reset();
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    s3Mock.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    let part = 0;
    uploadedBodies = [];
    // The sink reuses its part buffers once a part is acknowledged: keep a copy of each body.
    s3Mock.on(UploadPartCommand).callsFake((partInput: { Body: Buffer }) => {
      uploadedBodies.push(Buffer.from(partInput.Body));
      return { ETag: `"etag-${(part += 1)}"` };
    });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"final"' });
    s3Mock.on(PutObjectCommand).resolves({});
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
  });
}

/** The manifest the landing wrote (its one PutObject). */
export function writtenManifest(): LandingManifest {
  const body = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string;
  return JSON.parse(body) as LandingManifest;
}
