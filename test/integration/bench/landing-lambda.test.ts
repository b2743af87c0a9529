/**
 * The landing benchmark measures what Lambda runs (bench/landing-lambda.ts): the LandArtifact
 * asset built as the construct builds it, its handler invoked in a process started with the
 * runtime's flags through the asset's exec wrapper, with no TypeScript loader, the function's
 * environment only, and its vendor client built from a secret on moto. A small artifact is landed
 * both ways the benchmark does (managed with the scan inline, enterprise with the scan worker):
 * the landed object is complete and the figures the benchmark reports are consistent.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveGeneration, startArtifactServer, writeSyntheticCsv } from '../../../bench/landing-fixtures.ts';
import { landingEvent, prepareLambdaLanding, type LambdaLanding } from '../../../bench/landing-lambda.ts';
import { LANDING_INITIAL_OLD_SPACE_MB, LANDING_SEMI_SPACE_MB } from '../../../lib/pipeline-functions.ts';
import { awsClientConfig, startMoto, type RunningMoto } from '../../../src/local/moto.ts';

const work = mkdtempSync(join(tmpdir(), 'landing-lambda-test-'));
let moto: RunningMoto;
let server: Awaited<ReturnType<typeof startArtifactServer>>;
let lambda: LambdaLanding;
let s3: S3Client;
let kms: KMSClient;
let artifactKeyArn = '';
const bucket = 'landing-lambda-test';
const csv = join(work, 'artifact.csv');
let rows = 0;

beforeAll(async () => {
  moto = await startMoto();
  server = await startArtifactServer();
  const config = awsClientConfig(moto);
  s3 = new S3Client(config);
  kms = new KMSClient(config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const key = async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
  const outputKeyArn = await key();
  artifactKeyArn = await key();
  rows = await writeSyntheticCsv(csv, 300_000);
  lambda = await prepareLambdaLanding(join(work, 'lambda'), {
    moto,
    bucket,
    outputKeyArn,
    artifactKeyArn,
    apiBase: server.apiBase,
    tokenUrl: server.tokenUrl,
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await moto?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the landing benchmark runs the built LandArtifact bundle', () => {
  it.each([
    ['managed', 'inline'],
    ['enterprise', 'worker'],
  ] as const)('%s, scan %s: lands the whole artifact from index.mjs', async (mode, scanThread) => {
    const id = `gen_${mode}_${scanThread}`;
    for (const generationId of [id, `${id}_warmup`]) {
      await serveGeneration(server, {
        generationId,
        path: csv,
        rows,
        mode,
        kms,
        artifactKeyArn,
        workDir: work,
      });
    }
    const report = await lambda.land({
      mode,
      scanThread,
      warmup: landingEvent(`${id}_warmup`),
      event: landingEvent(id),
    });
    const { result } = report;
    expect(result.rows).toBe(rows);
    expect(result.bytes).toBe(statSync(csv).size);
    expect(result.outputKey).toContain(id);
    expect(result.warmupOutputKey).toContain(`${id}_warmup`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: result.outputKey }));
    expect(head.ContentLength).toBe(result.bytes);
    expect(head.SSEKMSKeyId).toBeTruthy();

    // Started as the runtime starts the function, the exec wrapper's semi-space flag in force, no loader.
    expect(result.execArgv).toContain(`--max-semi-space-size=${LANDING_SEMI_SPACE_MB}`);
    expect(result.execArgv).toContain(`--initial-old-space-size=${LANDING_INITIAL_OLD_SPACE_MB}`);
    expect(result.execArgv).toContain('--expose-gc');
    expect(result.execArgv.join(' ')).not.toMatch(/tsx|--import|--require|--loader/);
    expect(result.cpuSeconds).toBeGreaterThan(0);
    expect(result.runtimeRssMiB).toBeGreaterThan(0);
    expect(report.baselineRssMiB).toBeGreaterThan(result.runtimeRssMiB);
    expect(Math.max(report.peakRssMiB, report.maxRssMiB)).toBeGreaterThanOrEqual(report.baselineRssMiB);
  });

  it("starts the scan worker from a chunk of its own: the thread loads the scan, not the handler's SDK", () => {
    const chunkDir = join(lambda.assetDir, 'chunks');
    const entry = readdirSync(chunkDir).find((f) => /^scan-worker-.*\.mjs$/.test(f));
    expect(entry, 'a scan-worker chunk').toBeDefined();
    // The chunk and every chunk it imports statically, transitively: what the worker thread loads.
    const loaded = new Set<string>();
    const visit = (file: string): void => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const text = readFileSync(join(chunkDir, file), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.mjs)"/g)) visit(m[1]!);
    };
    visit(entry!);
    const text = [...loaded].map((f) => readFileSync(join(chunkDir, f), 'utf8')).join('\n');
    expect(text.length).toBeLessThan(64 * 1024);
    expect(text).not.toMatch(/S3Client|KMSClient|SecretsManager|powertools/i);
    expect(text).toContain('sha256');
  });

  it('ships the exec wrapper in the asset it runs', () => {
    expect(lambda.launch.wrapper).toBe(join(lambda.assetDir, 'exec-wrapper.sh'));
    expect(statSync(lambda.launch.wrapper!).mode & 0o111).not.toBe(0);
    expect(lambda.bundleKib).toBeGreaterThan(100);
  });
});
