/**
 * landArtifact in managed mode: streamed multipart landing under SSE-KMS, manifest last, format
 * and row-count checks, expired download URLs, and replay (enterprise mode: land-enterprise.test.ts).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ArtifactUrlExpiredError } from '../../../src/client/errors.ts';
import { describe, expect, it } from 'vitest';
import {
  ArtifactFormatError,
  ArtifactNotReadyError,
  RowCountMismatchError,
} from '../../../src/landing/errors.ts';
import { landArtifact } from '../../../src/landing/land.ts';
import { apiError, fakeApi } from '../../support/fake-vendor-api.ts';
import { csvBytes, DATASET_ID, download, GENERATION_ID, generation, parquetBytes } from './fixtures.ts';
import {
  dataKey,
  deps,
  input,
  manifestKey,
  s3Mock,
  uploadedBodies,
  useLandMocks,
  writtenManifest,
} from '../../support/land-mocks.ts';

useLandMocks();

describe('landArtifact (managed)', () => {
  it('streams the CSV into a multipart upload under SSE-KMS, completes it, then writes the manifest', async () => {
    const bytes = csvBytes(3);
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => Promise.resolve(download(bytes)),
    });
    const result = await landArtifact(deps(api), input);

    expect(result).toMatchObject({
      outputKey: dataKey,
      manifestKey,
      rowsGenerated: 3,
      rowsRequested: 3,
      partial: false,
      format: 'csv',
      bytes: bytes.byteLength,
      dt: '2026-05-01',
      conforms: false,
      alreadyLanded: false,
    });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(result)).not.toContain('download?');

    const create = s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      Bucket: 'lake',
      Key: dataKey,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:us-east-1:1:key/out',
      BucketKeyEnabled: true,
      ContentType: 'text/csv',
    });
    const parts = s3Mock.commandCalls(UploadPartCommand).map((c) => c.args[0].input);
    expect(parts.length).toBeGreaterThan(1);
    expect(Buffer.concat(uploadedBodies).equals(bytes)).toBe(true);
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input;
    expect(complete.MultipartUpload?.Parts?.map((p) => p.PartNumber)).toEqual(parts.map((p) => p.PartNumber));
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);

    const put = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Key: manifestKey, ServerSideEncryption: 'aws:kms', BucketKeyEnabled: true });
    const manifest = writtenManifest();
    expect(manifest).toMatchObject({
      generationId: GENERATION_ID,
      datasetId: DATASET_ID,
      requestIds: { createGeneration: 'req_create1', getGeneration: 'req_get1' },
      rowsRequested: 3,
      rowsGenerated: 3,
      partial: false,
      format: 'csv',
      bytes: bytes.byteLength,
      sha256: result.sha256,
      scenario: input.scenario,
      requestedConditions: input.requestedConditions,
      mappings: input.mappings,
      artifactEncryption: 'managed',
      conformance: { conforms: false, rowsObserved: 3, rowsGenerated: 3, partial: false },
    });
    // 2 of 3 rows are "a" against a requested 50 % share: outside the default tolerance
    expect(manifest.conformance?.categorical).toMatchObject([
      {
        column: 'segment',
        present: true,
        count: 3,
        levels: [
          { level: 'a', deliveredCount: 2 },
          { level: 'b', deliveredCount: 1 },
        ],
      },
    ]);
    expect(manifest.columns.map((c) => c.name)).toEqual(['id', 'segment', 'spend']);
    // the manifest is written only after the data object is complete
    const order = s3Mock.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('CompleteMultipartUploadCommand')).toBeLessThan(order.indexOf('PutObjectCommand'));
  });

  it('marks a partial generation and lands Parquet with its own schema', async () => {
    const api = fakeApi({
      getGeneration: () =>
        Promise.resolve(
          generation({ output_format: 'parquet', status: 'partial', rows_requested: 10, rows_generated: 7 }),
        ),
      downloadArtifact: () => Promise.resolve(download(parquetBytes(7), 1000)),
    });
    const result = await landArtifact(deps(api, { partBytes: 5 * 1024 * 1024 }), {
      ...input,
      requestedConditions: { numeric: { spend: { min: 0, max: 100 } } },
    });
    expect(result).toMatchObject({
      partial: true,
      rowsGenerated: 7,
      rowsRequested: 10,
      format: 'parquet',
      conforms: true,
    });
    expect(writtenManifest().conformance).toMatchObject({
      partial: true,
      numeric: [{ column: 'spend', inside: 7 }],
    });
    expect(result.outputKey.endsWith('.parquet')).toBe(true);
    expect(result.columns).toEqual([
      { name: 'id', type: 'int', athenaName: 'id' },
      { name: 'segment', type: 'string', athenaName: 'segment' },
      { name: 'spend', type: 'double', athenaName: 'spend' },
    ]);
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(1);
  });

  it('aborts the upload and writes no manifest when the row count differs from rows_generated', async () => {
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation({ rows_generated: 3 })),
      downloadArtifact: () => Promise.resolve(download(csvBytes(2))),
    });
    await expect(landArtifact(deps(api), input)).rejects.toBeInstanceOf(RowCountMismatchError);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('inspects CSV while it streams, with no spool file, and Parquet through a removed spool file', async () => {
    const spoolBase = await mkdtemp(join(tmpdir(), 'land-spool-test-'));
    try {
      const seen: string[][] = [];
      const watch = (bytes: Buffer) => {
        const body = download(bytes);
        body.body.on('end', () => void readdir(spoolBase).then((names) => seen.push(names)));
        return body;
      };
      const csvApi = fakeApi({
        getGeneration: () => Promise.resolve(generation()),
        downloadArtifact: () => Promise.resolve(watch(csvBytes(3))),
      });
      await landArtifact(deps(csvApi, { tmpDir: spoolBase }), input);
      const parquetApi = fakeApi({
        getGeneration: () => Promise.resolve(generation({ output_format: 'parquet' })),
        downloadArtifact: () => Promise.resolve(watch(parquetBytes(3))),
      });
      await landArtifact(deps(parquetApi, { tmpDir: spoolBase, partBytes: 5 * 1024 * 1024 }), input);
      expect(seen[0]).toEqual([]);
      expect(seen[1]).toHaveLength(1);
      expect(seen[1]![0]).toMatch(new RegExp(`^landing-${process.pid}-`));
      expect(await readdir(spoolBase)).toEqual([]);
    } finally {
      await rm(spoolBase, { recursive: true, force: true });
    }
  });

  it('aborts a malformed CSV after streaming it, as an ArtifactFormatError', async () => {
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation({ rows_generated: 2 })),
      downloadArtifact: () => Promise.resolve(download(Buffer.from('id,segment\n1,a\n2,b,extra\n'))),
    });
    await expect(landArtifact(deps(api), input)).rejects.toThrow(ArtifactFormatError);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('re-fetches the generation after an expired download URL (404) and succeeds', async () => {
    let gets = 0;
    let downloads = 0;
    const api = fakeApi({
      getGeneration: () => {
        gets += 1;
        return Promise.resolve(
          generation({ artifact_url: `/v1/generations/gen_abc123/download?expires=${gets}&sig=aa` }),
        );
      },
      downloadArtifact: () => {
        downloads += 1;
        if (downloads === 1) return Promise.reject(apiError(404, 'simio_generation_not_found', 'expired'));
        return Promise.resolve(download(csvBytes(3)));
      },
    });
    const result = await landArtifact(deps(api), input);
    expect(result.rowsGenerated).toBe(3);
    expect(gets).toBe(2);
    expect(api.downloadArtifact.mock.calls[1]![0].artifact_url).toContain('expires=2');
  });

  it("re-fetches after the client's ArtifactUrlExpiredError", async () => {
    let downloads = 0;
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => {
        downloads += 1;
        if (downloads === 1) return Promise.reject(new ArtifactUrlExpiredError(GENERATION_ID, 403, null));
        return Promise.resolve(download(csvBytes(3)));
      },
    });
    await landArtifact(deps(api), input);
    expect(api.getGeneration).toHaveBeenCalledTimes(2);
  });

  it('gives up after the bounded number of download attempts and aborts', async () => {
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => Promise.reject(apiError(403, null, 'signature expired')),
    });
    await expect(landArtifact(deps(api, { maxDownloadAttempts: 2 }), input)).rejects.toThrow(/HTTP 403/);
    expect(api.downloadArtifact).toHaveBeenCalledTimes(2);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('raises ArtifactNotReadyError while artifact_url is null', async () => {
    const api = fakeApi({ getGeneration: () => Promise.resolve(generation({ artifact_url: null })) });
    await expect(landArtifact(deps(api), input)).rejects.toBeInstanceOf(ArtifactNotReadyError);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('refuses a generation of another dataset or with zero rows before touching S3', async () => {
    const other = fakeApi({ getGeneration: () => Promise.resolve(generation({ dataset_id: 'ds_other' })) });
    await expect(landArtifact(deps(other), input)).rejects.toThrow(/belongs to dataset ds_other/);
    const empty = fakeApi({ getGeneration: () => Promise.resolve(generation({ rows_generated: 0 })) });
    await expect(landArtifact(deps(empty), input)).rejects.toThrow(/rows_generated is 0/);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('returns the existing result on retry without downloading or uploading again', async () => {
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => Promise.resolve(download(csvBytes(3))),
    });
    const first = await landArtifact(deps(api), input);
    const manifest = writtenManifest();
    s3Mock.reset();
    s3Mock
      .on(GetObjectCommand, { Key: manifestKey })
      .resolves({ Body: { transformToString: () => Promise.resolve(JSON.stringify(manifest)) } as never });
    s3Mock.on(HeadObjectCommand, { Key: dataKey }).resolves({ ContentLength: first.bytes });
    const again = await landArtifact(deps(api), input);
    expect(again).toEqual({ ...first, alreadyLanded: true });
    expect(api.downloadArtifact).toHaveBeenCalledTimes(1);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
