/**
 * Child process of the quality benchmark (bench/quality.ts): ONE landing in a fresh Node process
 * (its peak RSS is its own), with or without the quality report (`src/quality/`), and prints a
 * ChildReport. The landing is the real core (`landArtifact`) with the real vendor client against
 * the parent's artifact server and moto; the report reads the seed from moto S3.
 */
import { tmpdir } from 'node:os';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SimulacraClient, type TokenProvider } from '../src/client/index.ts';
import type { DatasetSchema, SimulacraApi } from '../src/client/contract.ts';
import { landArtifact } from '../src/landing/land.ts';
import { DEFAULT_SETTINGS } from '../src/quality/config.ts';
import { qualityCheck } from '../src/quality/landing-check.ts';
import { reportFromChild, runAsScript, startRssSampler } from './common.ts';

export interface QualityChildJob {
  readonly aws: { endpoint: string; region: string; bucket: string; outputKeyArn: string };
  readonly apiBase: string;
  readonly generationId: string;
  readonly datasetId: string;
  readonly feed: string;
  /** The seed object the report compares with; null: land without the report. */
  readonly seed: { bucket: string; key: string } | null;
  /** Column names of the artifact (the vendor schema the report matches seed columns to). */
  readonly columns: readonly string[];
}

export interface QualityChildResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly rows: number;
  readonly outputKey: string;
  readonly passed: boolean | null;
}

const staticTokens: TokenProvider = {
  getToken: () => Promise.resolve('bench-token'),
  invalidate: () => undefined,
};

async function land(job: QualityChildJob): Promise<QualityChildResult> {
  const config = {
    endpoint: job.aws.endpoint,
    region: job.aws.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const s3 = new S3Client(config);
  const client = new SimulacraClient({ apiBase: job.apiBase, tokenProvider: staticTokens });
  // The benchmark's artifact server has no schema route: the schema is the artifact's header.
  const schema: DatasetSchema = {
    dataset_id: job.datasetId,
    schema: job.columns.map((name) => ({
      name,
      type: 'string',
      levels: null,
      min: null,
      max: null,
      conditioning_excluded: null,
    })),
    request_id: 'req_bench',
    meta: {} as DatasetSchema['meta'],
  };
  const api: SimulacraApi = Object.assign(Object.create(client) as SimulacraApi, {
    getDatasetSchema: () => Promise.resolve(schema),
  });
  const started = performance.now();
  const result = await landArtifact(
    {
      api: client,
      s3,
      kms: new KMSClient(config),
      bucket: job.aws.bucket,
      outputKmsKeyId: job.aws.outputKeyArn,
      ...(job.seed
        ? {
            contentCheck: qualityCheck({
              s3,
              api,
              bucket: job.aws.bucket,
              kmsKeyId: job.aws.outputKeyArn,
              defaults: DEFAULT_SETTINGS,
              tmpDir: tmpdir(),
            }),
          }
        : {}),
    },
    {
      runId: 'bench-run',
      feed: job.feed,
      scenario: { name: 'bench', row_count: 1, output_format: 'csv' },
      datasetId: job.datasetId,
      generationId: job.generationId,
      seed: job.seed,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    bytes: result.bytes,
    seconds,
    rows: result.rowsGenerated,
    outputKey: result.outputKey,
    passed: result.quality?.passed ?? null,
  };
}

runAsScript(async () => {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: quality-child.ts <job JSON>');
  const sampler = startRssSampler();
  const result = await land(JSON.parse(raw) as QualityChildJob);
  reportFromChild({ result, ...sampler.stop() });
});
