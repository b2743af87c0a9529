import { context } from '../../support/lambda-env.ts';
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
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler, toLandingStateError } from '../../../lambdas/land-artifact.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import {
  ArtifactFormatError,
  ArtifactVerificationError,
  ArtifactNotReadyError,
  EphemeralStorageError,
  LandingStorageError,
  RowCountMismatchError,
} from '../../../src/landing/errors.ts';
import { LayoutInputError } from '../../../src/landing/layout.ts';
import { VendorPacingError } from '../../../src/client/index.ts';
import { fakeApi } from '../../support/fake-vendor-api.ts';
import { csvBytes, DATASET_ID, download, GENERATION_ID, generation } from '../landing/fixtures.ts';

Object.assign(process.env, {
  OUTPUT_BUCKET_NAME: 'lake',
  OUTPUT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/out',
  ARTIFACT_KMS_KEY_ARN: '',
});

const s3Mock = mockClient(S3Client);

const event = {
  runId: 'run_1',
  feed: 'retail-panel',
  scenario: { name: 'baseline', row_count: 3, output_format: 'csv', conditions: { Segment: { a: 0.5 } } },
  datasetId: DATASET_ID,
  generationId: GENERATION_ID,
  jobId: 'job_x',
  requestedConditions: { categorical: { segment: { a: 0.5, b: 0.5 } } },
  clamps: [],
  mappings: [],
};

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('x'), { name: 'NoSuchKey' }));
  s3Mock.on(ListMultipartUploadsCommand).resolves({});
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
});
afterEach(() => resetVendorClientForTests());

describe('land-artifact handler', () => {
  it('lands and returns keys and numbers only (no artifact URL)', async () => {
    setVendorClientForTests(
      fakeApi({
        getGeneration: () => Promise.resolve(generation()),
        downloadArtifact: () => Promise.resolve(download(csvBytes(3))),
      }),
    );
    const out = await handler(event, context);
    expect(out).toMatchObject({
      outputKey:
        'synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-01/generation=gen_abc123/gen_abc123.csv',
      manifestKey: '_manifests/feed=retail-panel/scenario=baseline/dt=2026-05-01/gen_abc123.json',
      rowsGenerated: 3,
      rowsRequested: 3,
      partial: false,
      format: 'csv',
      dt: '2026-05-01',
    });
    expect(JSON.stringify(out)).not.toMatch(/download|sig=/);
  });

  it('in the wait loop, returns exactly the keys and numbers the state keeps', async () => {
    setVendorClientForTests(
      fakeApi({
        getGeneration: () => Promise.resolve(generation()),
        downloadArtifact: () => Promise.resolve(download(csvBytes(3))),
      }),
    );
    const out = await handler({ ...event, vendorWait: null, retryCount: 0 }, context);
    expect(Object.keys(out).sort()).toEqual(
      [
        'alreadyLanded',
        'bytes',
        'dt',
        'format',
        'landedByRunId',
        'manifestKey',
        'outputKey',
        'partial',
        'rowsGenerated',
        'rowsRequested',
      ].sort(),
    );
  });

  it('waits its turn when the download is refused after the upload began: the upload is aborted, nothing lands', async () => {
    const reservation = { operation: 'downloadArtifact', reservedAt: 1_800_000_000_000, slots: 3 };
    setVendorClientForTests(
      fakeApi({
        getGeneration: () => Promise.resolve(generation()),
        downloadArtifact: () => Promise.reject(new VendorPacingError('downloadArtifact', 30, reservation)),
      }),
    );
    const out = await handler({ ...event, vendorWait: null, retryCount: 0 }, context);
    expect(out).toEqual({ vendorWait: { seconds: 30, reason: 'paced', ...reservation, waits: 1 } });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    // An execution on the definition before the wait loop (no vendorWait) gets its Retry's error.
    const err = (await handler(event, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('VendorPacedError');
  });

  it('rejects bad input with InputValidationError naming the field', async () => {
    const err = (await handler({ ...event, scenario: { name: 'x' } }, context).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(err.message).toContain('scenario.row_count');
  });

  it('fails with ArtifactIntegrityError (code row_count_mismatch) when rows differ', async () => {
    setVendorClientForTests(
      fakeApi({
        getGeneration: () => Promise.resolve(generation()),
        downloadArtifact: () => Promise.resolve(download(csvBytes(2))),
      }),
    );
    const err = (await handler(event, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ArtifactIntegrityError');
    expect(JSON.parse(err.message)).toMatchObject({
      code: 'row_count_mismatch',
      generation_id: GENERATION_ID,
    });
  });
});

describe('toLandingStateError', () => {
  const ids = { generation_id: 'gen_1' };
  it.each([
    [new RowCountMismatchError('gen_1', 3, 2), 'ArtifactIntegrityError', 'row_count_mismatch'],
    [new ArtifactVerificationError('gen_1', 'tag'), 'ArtifactIntegrityError', 'artifact_integrity'],
    [new ArtifactFormatError('gen_1', 'parquet', 'bad'), 'ArtifactIntegrityError', 'artifact_format_invalid'],
    [new ArtifactNotReadyError('gen_1', 'no url'), 'NotReadyError', 'artifact_not_ready'],
    [new LayoutInputError('feed', 'bad'), 'InputValidationError', 'invalid_input'],
    // Bigger than the whole /tmp: refused for good, naming the setting.
    [
      new EphemeralStorageError(
        'gen_1',
        { neededBytes: 600, freeBytes: 500, storageBytes: 500 },
        'the artifact',
      ),
      'InputValidationError',
      'ephemeral_storage_exceeded',
    ],
    // Fits the whole /tmp, but leftovers (an abandoned attempt's spool) hold part of it: retried.
    [
      new EphemeralStorageError(
        'gen_1',
        { neededBytes: 400, freeBytes: 300, storageBytes: 500 },
        'the artifact',
      ),
      'AwsRetryableError',
      'ephemeral_storage_busy',
    ],
    [
      new LandingStorageError('k', 'UploadPart failed', {
        cause: Object.assign(new Error('slow'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
      }),
      'AwsRetryableError',
      'landing_storage_error',
    ],
    [
      new LandingStorageError('k', 'denied', {
        cause: Object.assign(new Error('no'), { name: 'AccessDenied' }),
      }),
      'VendorTerminalError',
      'landing_storage_error',
    ],
  ])('maps %s', (err, name, code) => {
    const mapped = toLandingStateError(err, ids);
    expect(mapped.name).toBe(name);
    expect(mapped.details).toMatchObject({ code, generation_id: 'gen_1' });
  });
});
