/**
 * Child process of the landing benchmark (bench/landing.ts) for its raw limits: runs ONE measured
 * job in a fresh Node process and prints a {@link ChildReport}. (The landings themselves run the
 * built LandArtifact bundle: bench/landing-lambda-child.ts.)
 *
 * Jobs (argv[2] is a JSON {@link LandingChildJob}):
 * - `raw-download`: the same HTTP download with bare `fetch`, body discarded.
 * - `raw-upload`: S3 multipart upload of `bytes` in parts of the landing's part size, as many
 *   parts in flight as the landing sink keeps, with the landing's SSE-KMS settings, completed
 *   (the step that makes the object exist; moto assembles the parts then) and deleted afterwards.
 * - `raw-decrypt`: `node:crypto` AES-256-GCM decryption of `bytes` in 64 KiB chunks on one core.
 * - `inspect`: the landing's own row count/schema pass (`inspectArtifact`) over a local CSV file,
 *   measured alone to attribute the landing time (the landing runs it on the stream).
 */
import { createDecipheriv, createCipheriv, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { inspectArtifact } from '../src/landing/inspect.ts';
import { DEFAULT_UPLOAD_CONCURRENCY } from '../src/landing/landing-sink.ts';
import { DEFAULT_PART_BYTES, MultipartUpload } from '../src/landing/multipart.ts';
import { reportFromChild, runAsScript, startRssSampler } from './common.ts';

interface AwsTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly outputKeyArn: string;
  readonly artifactKeyArn: string;
}

export type LandingChildJob =
  | { readonly kind: 'raw-download'; readonly url: string }
  | { readonly kind: 'raw-upload'; readonly aws: AwsTarget; readonly bytes: number }
  | { readonly kind: 'raw-decrypt'; readonly bytes: number }
  | { readonly kind: 'inspect'; readonly path: string };

/** What every job reports. */
export interface LandingChildResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly rows?: number;
}

function awsConfig(aws: AwsTarget) {
  return {
    endpoint: aws.endpoint,
    region: aws.region,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

async function rawDownload(url: string): Promise<LandingChildResult> {
  const started = performance.now();
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`raw download answered ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
  return { bytes, seconds: (performance.now() - started) / 1000 };
}

async function rawUpload(aws: AwsTarget, bytes: number): Promise<LandingChildResult> {
  const s3 = new S3Client(awsConfig(aws));
  const part = randomBytes(DEFAULT_PART_BYTES);
  const started = performance.now();
  const upload = await MultipartUpload.create(s3, {
    bucket: aws.bucket,
    key: `raw-upload/${Date.now()}.bin`,
    kmsKeyId: aws.outputKeyArn,
    contentType: 'application/octet-stream',
  });
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  while (sent < bytes) {
    if (inflight.size >= DEFAULT_UPLOAD_CONCURRENCY) await Promise.race(inflight);
    const size = Math.min(part.byteLength, bytes - sent);
    const task = upload.uploadPart(part.subarray(0, size)).finally(() => inflight.delete(task));
    inflight.add(task);
    sent += size;
  }
  await Promise.all(inflight);
  // Completing is part of uploading: it is the step that makes the object exist, and the landing pays it too.
  await upload.complete();
  const seconds = (performance.now() - started) / 1000;
  await s3.send(new DeleteObjectCommand({ Bucket: aws.bucket, Key: upload.key }));
  return { bytes: sent, seconds };
}

function rawDecrypt(bytes: number): LandingChildResult {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const chunkBytes = 64 * 1024;
  // One encrypted 8 MiB block, decrypted repeatedly: the work per byte is what is measured.
  const block = randomBytes(8 * 1024 * 1024);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(block), cipher.final()]);
  const started = performance.now();
  let done = 0;
  let decipher = createDecipheriv('aes-256-gcm', key, iv);
  while (done < bytes) {
    for (let offset = 0; offset < ciphertext.byteLength && done < bytes; offset += chunkBytes) {
      const chunk = ciphertext.subarray(offset, Math.min(offset + chunkBytes, ciphertext.byteLength));
      decipher.update(chunk);
      done += chunk.byteLength;
    }
    decipher = createDecipheriv('aes-256-gcm', key, iv);
  }
  return { bytes: done, seconds: (performance.now() - started) / 1000 };
}

async function inspect(path: string): Promise<LandingChildResult> {
  const started = performance.now();
  const inspection = await inspectArtifact({ path, format: 'csv', generationId: 'gen_inspect' });
  const seconds = (performance.now() - started) / 1000;
  return { bytes: statSync(path).size, seconds, rows: inspection.rows };
}

async function run(job: LandingChildJob): Promise<LandingChildResult> {
  switch (job.kind) {
    case 'raw-download':
      return rawDownload(job.url);
    case 'raw-upload':
      return rawUpload(job.aws, job.bytes);
    case 'raw-decrypt':
      return rawDecrypt(job.bytes);
    case 'inspect':
      return inspect(job.path);
  }
}

runAsScript(async () => {
  const raw = process.argv[2];
  if (!raw) throw new Error('usage: landing-child.ts <job JSON>');
  const job = JSON.parse(raw) as LandingChildJob;
  const sampler = startRssSampler();
  const result = await run(job);
  reportFromChild({ result, ...sampler.stop() });
});
