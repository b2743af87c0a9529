/**
 * Benchmark: what the quality report and publish gate cost the landing. The same synthetic CSV
 * artifact (100 MB, and 1 GB with `--large`) is landed twice in the same run, each in its own
 * child process: without the report (straight to the data key) and with it (upload to quarantine,
 * profile every row against a seed read from S3, build the report, publish by server-side copy).
 * Figures are ratios of the two: throughput with / without, peak RSS with / without.
 * Both start as Lambda starts LandArtifact (bench/landing-lambda.ts `landingChildLaunch`).
 * `--compare-exec-wrapper` lands a third time with the report, with the runtime's V8 flags alone
 * (no exec wrapper), to show what the wrapper's semi-space size changes.
 * Run alone: `tsx bench/quality.ts [--large] [--compare-exec-wrapper]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, startMoto } from '../src/local/moto.ts';
import { MB, isMain, mbPerSecond, ratio, round, runAsScript, runChild, writeResult } from './common.ts';
import { DATASET, FEED, startArtifactServer, syntheticRow, writeSyntheticCsv } from './landing-fixtures.ts';
import { describeLaunch, landingChildLaunch } from './landing-lambda.ts';
import type { QualityChildJob, QualityChildResult } from './quality-child.ts';

/** Seed size: seeds are capped at 500 MB by the vendor; 20 MB (≈ 650k rows) is a large one. */
const SEED_BYTES = 20 * MB;
const COLUMNS = ['id', 'segment', 'region', 'age', 'spend'] as const;

export interface QualityCase {
  readonly sizeLabel: string;
  readonly bytes: number;
  readonly rows: number;
  readonly withoutReport: { seconds: number; mbPerSecond: number; peakRssMiB: number };
  readonly withReport: { seconds: number; mbPerSecond: number; peakRssMiB: number; passed: boolean | null };
  /** Throughput with the report / without it (1 = free). */
  readonly throughputRatio: number | null;
  /** Peak RSS with the report / without it. */
  readonly peakRssRatio: number | null;
  /** With the report, started with the runtime's V8 flags alone (`--compare-exec-wrapper`). */
  readonly withReportWithoutWrapper?: { seconds: number; mbPerSecond: number; peakRssMiB: number };
}

export interface QualityBenchData {
  /** How the landings started: Lambda's runtime flags for LandArtifact's memory, through the exec wrapper. */
  readonly launch?: string;
  /** How the `withReportWithoutWrapper` landings started. */
  readonly launchWithoutWrapper?: string;
  readonly seedBytes: number;
  readonly seedRows: number;
  readonly cases: readonly QualityCase[];
}

/** A seed from the same population as the artifact (other ids, shifted amounts): no row in common. */
function writeSeed(path: string, bytes: number): Promise<number> {
  return writeSyntheticCsv(path, bytes, (n) => syntheticRow(`s${n}`, n * 7919 + 13, 0.005));
}

export async function runQualityBenchmark(options: { large?: boolean; compareExecWrapper?: boolean } = {}) {
  const startedAt = performance.now();
  const sizes = [{ label: '100 MB', bytes: 100 * MB }];
  if (options.large) sizes.push({ label: '1 GB', bytes: 1000 * MB });
  const moto = await startMoto();
  const work = mkdtempSync(join(tmpdir(), 'bench-quality-'));
  const server = await startArtifactServer();
  try {
    const config = awsClientConfig(moto);
    const s3 = new S3Client(config);
    const kms = new KMSClient(config);
    const bucket = 'bench-quality';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const outputKeyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    const aws = { endpoint: moto.endpoint, region: moto.region, bucket, outputKeyArn };

    const seedPath = join(work, 'seed.csv');
    const seedRows = await writeSeed(seedPath, SEED_BYTES);
    const seed = { bucket, key: 'seeds/bench/seed.csv' };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: seed.key, Body: readFileSync(seedPath) }));

    const cases: QualityCase[] = [];
    for (const size of sizes) {
      const path = join(work, `artifact-${size.bytes}.csv`);
      const rows = await writeSyntheticCsv(path, size.bytes);
      const measure = async (withReport: boolean, execWrapper = true) => {
        const generationId = `gen_${withReport ? 'report' : 'plain'}${execWrapper ? '' : '_nowrap'}_${size.bytes}`;
        server.serve({ generationId, path, rows, mode: 'managed' });
        const job: QualityChildJob = {
          aws,
          apiBase: server.apiBase,
          generationId,
          datasetId: DATASET,
          feed: FEED,
          seed: withReport ? seed : null,
          columns: COLUMNS,
        };
        const report = await runChild<QualityChildResult>('bench/quality-child.ts', [JSON.stringify(job)], {
          timeoutMs: 60 * 60 * 1000,
          launch: landingChildLaunch(execWrapper),
        });
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: report.result.outputKey }));
        return {
          seconds: round(report.result.seconds, 2),
          mbPerSecond: mbPerSecond(report.result.bytes, report.result.seconds),
          peakRssMiB: Math.max(report.peakRssMiB, report.maxRssMiB),
          passed: report.result.passed,
        };
      };
      const without = await measure(false);
      const withIt = await measure(true);
      const unwrapped = options.compareExecWrapper ? await measure(true, false) : null;
      const landed: QualityCase = {
        sizeLabel: size.label,
        bytes: size.bytes,
        rows,
        withoutReport: {
          seconds: without.seconds,
          mbPerSecond: without.mbPerSecond,
          peakRssMiB: without.peakRssMiB,
        },
        withReport: withIt,
        throughputRatio: ratio(withIt.mbPerSecond, without.mbPerSecond),
        peakRssRatio: ratio(withIt.peakRssMiB, without.peakRssMiB),
        ...(unwrapped
          ? {
              withReportWithoutWrapper: {
                seconds: unwrapped.seconds,
                mbPerSecond: unwrapped.mbPerSecond,
                peakRssMiB: unwrapped.peakRssMiB,
              },
            }
          : {}),
      };
      cases.push(landed);
      console.log(
        `[quality] ${size.label}: ${without.mbPerSecond} MB/s without, ${withIt.mbPerSecond} MB/s with the report ` +
          `(${landed.throughputRatio}); peak RSS ${without.peakRssMiB} -> ${withIt.peakRssMiB} MiB (${landed.peakRssRatio})` +
          (unwrapped
            ? `; without the exec wrapper ${unwrapped.mbPerSecond} MB/s, peak RSS ${unwrapped.peakRssMiB} MiB`
            : '') +
          `; load ${loadavg()[0]?.toFixed(2)}`,
      );
      rmSync(path, { force: true });
    }
    const data: QualityBenchData = {
      launch: describeLaunch(landingChildLaunch()),
      ...(options.compareExecWrapper
        ? { launchWithoutWrapper: describeLaunch(landingChildLaunch(false)) }
        : {}),
      seedBytes: SEED_BYTES,
      seedRows,
      cases,
    };
    return writeResult('quality', startedAt, data);
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
    await moto.stop();
  }
}

if (isMain(import.meta.url)) {
  runAsScript(() =>
    runQualityBenchmark({
      large: process.argv.includes('--large'),
      compareExecWrapper: process.argv.includes('--compare-exec-wrapper'),
    }),
  );
}
