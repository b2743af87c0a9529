/**
 * Landing memory stays bounded whatever the artifact size: a 200 MiB enterprise (encrypted) CSV
 * artifact is generated on the fly by a child-process HTTP server (so only the landing's own
 * memory is measured), decrypted, uploaded in parts to moto and inspected, while this process's
 * RSS is sampled. No timing assertion.
 *
 * A 16 MiB landing runs first, as a warm Lambda container would have done: it pays V8's one-time
 * growth (young generation, external-buffer GC headroom, allocator pools) so the measured delta
 * is what the 200 MiB artifact adds. Both deltas are printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { landArtifact } from '../../../src/landing/land.ts';
import { generation } from '../../unit/landing/fixtures.ts';
import {
  httpVendorApi,
  startLandingEnvironment,
  type LandingEnvironment,
} from '../../support/landing-harness.ts';

const LINE_BYTES = 100;
const ROWS = Math.ceil((200 * 1024 * 1024) / LINE_BYTES);
const WARM_UP_ROWS = Math.ceil((16 * 1024 * 1024) / LINE_BYTES);
const HEADER = 'id,segment,spend,note\n';

let env: LandingEnvironment;
let child: ChildProcess | undefined;

async function startArtifactServer(key: Buffer, iv: Buffer): Promise<string> {
  const script = fileURLToPath(new URL('../../support/big-artifact-server.ts', import.meta.url));
  const proc = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      KEY_HEX: key.toString('hex'),
      IV_HEX: iv.toString('hex'),
      LINE_BYTES: String(LINE_BYTES),
      HEADER,
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child = proc;
  const port = await new Promise<string>((resolve, reject) => {
    proc.once('error', reject);
    proc.stdout.once('data', (data: Buffer) => resolve(data.toString().trim()));
  });
  return `http://127.0.0.1:${port}/artifact`;
}

beforeAll(async () => {
  env = await startLandingEnvironment();
});
afterAll(async () => {
  child?.stdin?.end();
  child?.kill();
  await env?.stop();
});

it('lands a 200 MiB encrypted artifact with an RSS increase under 100 MB', async () => {
  const context = { tenant_id: 'ten_mem', generation_id: 'gen_big' };
  const dataKey = await env.kms.send(
    new GenerateDataKeyCommand({ KeyId: env.artifactKeyArn, KeySpec: 'AES_256', EncryptionContext: context }),
  );
  const iv = randomBytes(12);
  const url = await startArtifactServer(Buffer.from(dataKey.Plaintext!), iv);
  dataKey.Plaintext!.fill(0);
  const api = (generationId: string, rows: number) =>
    httpVendorApi(() =>
      generation({
        generation_id: generationId,
        dataset_id: 'ds_mem',
        output_format: 'csv',
        rows_requested: rows,
        rows_generated: rows,
        artifact_url: `${url}?rows=${rows}&sig=${generationId}`,
        artifact_encryption: {
          scheme: 'envelope-aes-256-gcm',
          wrapped_dek: Buffer.from(dataKey.CiphertextBlob!).toString('base64'),
          iv: iv.toString('base64'),
          encryption_context: context,
        },
      }),
    );
  const land = (generationId: string, rows: number, scenario: string) =>
    landArtifact(env.deps(api(generationId, rows), { artifactKmsKeyId: env.artifactKeyArn }), {
      runId: 'run_mem',
      feed: 'memory',
      scenario: { name: scenario, row_count: rows, output_format: 'csv' },
      datasetId: 'ds_mem',
      generationId,
      requestedConditions: {
        categorical: { segment: { a: 0.5, b: 0.5 } },
        numeric: { spend: { min: 0, max: 100 } },
      },
      tenantId: 'ten_mem',
    });

  const cold = process.memoryUsage().rss;
  // Same envelope: the artifact server encrypts every response with the same key and IV.
  const warm = await land('gen_big', WARM_UP_ROWS, 'warm-up');
  expect(warm.rowsGenerated).toBe(WARM_UP_ROWS);
  const afterWarmUp = process.memoryUsage().rss;

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const result = await land('gen_big', ROWS, 'big');
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(result.rowsGenerated).toBe(ROWS);
    expect(result.bytes).toBe(HEADER.length + ROWS * LINE_BYTES);
    expect(result.conforms).toBe(true);
    const head = await env.s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: result.outputKey }));
    expect(head.ContentLength).toBe(result.bytes);
  } finally {
    clearInterval(sampler);
  }
  const deltaMb = (peak - baseline) / (1024 * 1024);
  console.log(
    `landing 200 MiB: RSS before warm-up ${(cold / 2 ** 20).toFixed(0)} MB, warm-up delta ${((afterWarmUp - cold) / 2 ** 20).toFixed(1)} MB, ` +
      `200 MiB peak delta ${deltaMb.toFixed(1)} MB, peak delta from cold ${((peak - cold) / 2 ** 20).toFixed(1)} MB`,
  );
  expect(deltaMb).toBeLessThan(100);
  expect(await env.openUploads()).toBe(0);
});
