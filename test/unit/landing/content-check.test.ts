import { KMSClient } from '@aws-sdk/client-kms';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  combineVisitors,
  QualityGateError,
  type ContentCheck,
  type ContentVerdict,
} from '../../../src/landing/content-check.ts';
import { landArtifact, type LandArtifactDeps, type LandArtifactInput } from '../../../src/landing/land.ts';
import type { LandingManifest } from '../../../src/landing/manifest.ts';
import { fakeApi } from '../../support/fake-vendor-api.ts';
import { csvBytes, DATASET_ID, download, GENERATION_ID, generation } from './fixtures.ts';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1' });
const kms = new KMSClient({ region: 'us-east-1' });

const input: LandArtifactInput = {
  runId: 'run_1',
  feed: 'retail-panel',
  scenario: { name: 'baseline', row_count: 3, output_format: 'csv' },
  datasetId: DATASET_ID,
  generationId: GENERATION_ID,
};
const partition = 'feed=retail-panel/scenario=baseline/dt=2026-05-01';
const dataKey = `synthetic/${partition}/generation=gen_abc123/gen_abc123.csv`;
const quarantineKey = `_quarantine/${dataKey}`;

function verdict(passed: boolean): ContentVerdict {
  const headline = {
    passed,
    fidelityScore: 0.9,
    exactMatchShare: passed ? 0 : 1,
    exactMatchExcess: passed ? 0 : 0.5,
    dcrCloseShare: 0.05,
    passThroughColumns: 0,
    failedMetrics: passed ? [] : ['exact_match_excess'],
  };
  return {
    passed,
    headline,
    reason: passed ? '' : 'exact_match_excess = 0.5 (must be <= 0.01)',
    section: { headline, reason: passed ? '' : 'exact_match_excess = 0.5 (must be <= 0.01)' },
  };
}

/** A check that records the rows it saw and the manifest it was told about. */
function fakeCheck(passed: boolean) {
  const seen: { rows: number; values: unknown[]; recorded: string | null } = {
    rows: 0,
    values: [],
    recorded: null,
  };
  const check: ContentCheck = {
    visitor: {
      columns: ['segment'],
      visitBatch(columns, rowCount) {
        seen.rows += rowCount;
        seen.values.push(...Array.from(columns['segment'] as ArrayLike<unknown>));
      },
    },
    finish: () => verdict(passed),
    record(_manifest: LandingManifest, key: string) {
      seen.recorded = key;
      return Promise.resolve();
    },
  };
  return { check, seen };
}

function deps(check: ContentCheck): LandArtifactDeps {
  return {
    api: fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => Promise.resolve(download(csvBytes(3))),
    }),
    s3,
    kms,
    bucket: 'lake',
    outputKmsKeyId: 'arn:aws:kms:us-east-1:1:key/out',
    now: () => new Date('2026-05-01T18:00:00Z'),
    contentCheck: () => Promise.resolve(check),
  };
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
  s3Mock.on(ListMultipartUploadsCommand).resolves({ Uploads: [] });
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(CopyObjectCommand).resolves({});
  s3Mock.on(DeleteObjectCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
});

function putKeys(): string[] {
  return s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key ?? '');
}

describe('landing with a content check (write, audit, publish)', () => {
  it('uploads to quarantine, audits every row, then publishes by copy and deletes the audited copy', async () => {
    const { check, seen } = fakeCheck(true);
    const result = await landArtifact(deps(check), input);
    expect(seen.rows).toBe(3);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]!.args[0].input.Key).toBe(quarantineKey);
    expect(s3Mock.commandCalls(CopyObjectCommand)[0]!.args[0].input).toMatchObject({
      Key: dataKey,
      CopySource: `lake/${quarantineKey}`,
      ServerSideEncryption: 'aws:kms',
    });
    expect(s3Mock.commandCalls(DeleteObjectCommand)[0]!.args[0].input.Key).toBe(quarantineKey);
    expect(putKeys()).toEqual([`_manifests/${partition}/gen_abc123.json`]);
    expect(seen.recorded).toBe(`_manifests/${partition}/gen_abc123.json`);
    expect(result).toMatchObject({ outputKey: dataKey, quality: { passed: true, fidelityScore: 0.9 } });
    const order = s3Mock.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('CopyObjectCommand')).toBeLessThan(order.indexOf('PutObjectCommand'));
  });

  it('keeps a failing generation in quarantine with its manifest there and names the metric', async () => {
    const { check, seen } = fakeCheck(false);
    const error = await landArtifact(deps(check), input).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QualityGateError);
    expect((error as QualityGateError).failedMetrics).toEqual(['exact_match_excess']);
    expect((error as Error).message).toContain('exact_match_excess = 0.5');
    expect(s3Mock.commandCalls(CopyObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    const manifestKey = `_quarantine/_manifests/${partition}/gen_abc123.json`;
    expect(putKeys()).toEqual([manifestKey]);
    expect(seen.recorded).toBe(manifestKey);
    const manifest = JSON.parse(
      s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string,
    ) as LandingManifest;
    expect(manifest.outputKey).toBe(quarantineKey);
    expect(manifest.quality?.headline.passed).toBe(false);
  });

  it('fails a retry of a quarantined generation again without downloading', async () => {
    const { check } = fakeCheck(false);
    await landArtifact(deps(check), input).catch(() => undefined);
    const manifest = s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as string;
    s3Mock.reset();
    s3Mock
      .on(GetObjectCommand, { Key: `_quarantine/_manifests/${partition}/gen_abc123.json` })
      .resolves({ Body: { transformToString: () => Promise.resolve(manifest) } as never });
    s3Mock
      .on(GetObjectCommand, { Key: `_manifests/${partition}/gen_abc123.json` })
      .rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' }));
    let downloads = 0;
    const retry = deps(check);
    const api = fakeApi({
      getGeneration: () => Promise.resolve(generation()),
      downloadArtifact: () => {
        downloads += 1;
        return Promise.resolve(download(csvBytes(3)));
      },
    });
    await expect(landArtifact({ ...retry, api }, input)).rejects.toThrow(QualityGateError);
    expect(downloads).toBe(0);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('hands a numbers-welcoming visitor numbers unless the other visitor needs the column as text', () => {
    const welcome = { columns: ['x', 'y', 'z'], numbersWelcome: true, visitBatch: () => undefined };
    const conformance = {
      columns: ['y', 'w'],
      numericColumns: new Set(['w']),
      visitBatch: () => undefined,
    };
    const both = combineVisitors(conformance, welcome)!;
    expect([...(both.numericColumns ?? [])].sort()).toEqual(['w', 'x', 'z']);
  });

  it('combines visitors so each gets exactly its own columns', () => {
    const got: Array<[string, string[]]> = [];
    const visitor = (name: string, columns: string[]) => ({
      columns,
      visitBatch: (batch: Readonly<Record<string, unknown>>) => got.push([name, Object.keys(batch)]),
    });
    const both = combineVisitors(visitor('a', ['x', 'y']), visitor('b', ['y', 'z']))!;
    expect(both.columns).toEqual(['x', 'y', 'z']);
    both.visitBatch({ x: [1], y: [2], z: [3] }, 1);
    expect(got).toEqual([
      ['a', ['x', 'y']],
      ['b', ['y', 'z']],
    ]);
  });
});
