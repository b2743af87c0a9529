import { createCipheriv, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Generation } from '../../../src/client/contract.ts';
import { ArtifactVerificationError, RowCountMismatchError } from '../../../src/landing/errors.ts';
import { landArtifact, type LandArtifactInput } from '../../../src/landing/land.ts';
import { landingManifestSchema } from '../../../src/landing/manifest.ts';
import { csvBytes, generation, parquetBytes } from '../../unit/landing/fixtures.ts';
import {
  httpVendorApi,
  startLandingEnvironment,
  type LandingEnvironment,
} from '../../support/landing-harness.ts';

let env: LandingEnvironment;
beforeAll(async () => {
  env = await startLandingEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

let counter = 0;
/** A fresh generation id + scenario per test so tests do not see each other's objects. */
function fresh(format: 'csv' | 'parquet', rows: number, overrides: Partial<Generation> = {}) {
  counter += 1;
  const generationId = `gen_it${counter}`;
  const input: LandArtifactInput = {
    runId: `run_${counter}`,
    feed: 'retail-panel',
    scenario: { name: `s${counter}`, row_count: rows, output_format: format },
    datasetId: 'ds_it',
    generationId,
    requestedConditions: { categorical: { segment: { a: 0.5, b: 0.5 } } },
    requestIds: { createGeneration: 'req_c' },
  };
  const base = (url: string) =>
    generation({
      generation_id: generationId,
      dataset_id: 'ds_it',
      output_format: format,
      rows_requested: rows,
      rows_generated: rows,
      artifact_url: url,
      ...overrides,
    });
  return { input, base, prefix: `synthetic/feed=retail-panel/scenario=s${counter}/` };
}

/** Encrypts `plaintext` like the vendor's enterprise mode, with a data key from moto KMS. */
async function vendorEncrypt(plaintext: Buffer, context: Record<string, string>) {
  const dataKey = await env.kms.send(
    new GenerateDataKeyCommand({ KeyId: env.artifactKeyArn, KeySpec: 'AES_256', EncryptionContext: context }),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey.Plaintext!, iv, { authTagLength: 16 });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  dataKey.Plaintext!.fill(0);
  return {
    body,
    encryption: {
      scheme: 'envelope-aes-256-gcm',
      wrapped_dek: Buffer.from(dataKey.CiphertextBlob!).toString('base64'),
      iv: iv.toString('base64'),
      encryption_context: context,
    },
  };
}

describe('landArtifact against moto S3/KMS and an HTTP artifact server', () => {
  it.each(['parquet', 'csv'] as const)(
    'lands a managed %s artifact with SSE-KMS and a manifest',
    async (format) => {
      const bytes = format === 'parquet' ? parquetBytes(500) : csvBytes(500);
      const { input, base, prefix } = fresh(format, 500);
      const url = env.server.register(bytes);
      const result = await landArtifact(
        env.deps(
          httpVendorApi(() => base(url)),
          { partBytes: 5 * 1024 * 1024 },
        ),
        input,
      );

      expect(result).toMatchObject({
        rowsGenerated: 500,
        format,
        bytes: bytes.byteLength,
        alreadyLanded: false,
      });
      expect((await env.read(result.outputKey)).equals(bytes)).toBe(true);
      const head = await env.s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: result.outputKey }));
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toContain(env.outputKeyArn.split('/').pop());
      const manifest = landingManifestSchema.parse(
        JSON.parse((await env.read(result.manifestKey)).toString()),
      );
      expect(manifest).toMatchObject({
        generationId: input.generationId,
        rowsGenerated: 500,
        sha256: result.sha256,
      });
      expect(manifest.conformance?.conforms).toBe(true);
      expect(await env.listKeys(prefix)).toEqual([result.outputKey]);
      expect(await env.openUploads()).toBe(0);
    },
  );

  it('decrypts an enterprise artifact with the customer KMS key and lands the plaintext', async () => {
    const plaintext = csvBytes(300);
    const { input, base } = fresh('csv', 300);
    const { body, encryption } = await vendorEncrypt(plaintext, {
      tenant_id: 'ten_it',
      generation_id: input.generationId,
    });
    const url = env.server.register(body);
    const api = httpVendorApi(() => base(url));
    api.getGeneration.mockImplementation(() =>
      Promise.resolve({ ...base(url), artifact_encryption: encryption }),
    );
    const result = await landArtifact(env.deps(api, { artifactKmsKeyId: env.artifactKeyArn }), {
      ...input,
      tenantId: 'ten_it',
    });
    expect(result.bytes).toBe(plaintext.byteLength);
    expect((await env.read(result.outputKey)).equals(plaintext)).toBe(true);
  });

  it('aborts a tampered enterprise artifact: nothing visible, no multipart upload left', async () => {
    const { input, base, prefix } = fresh('csv', 300);
    const { body, encryption } = await vendorEncrypt(csvBytes(300), {
      tenant_id: 'ten_it',
      generation_id: input.generationId,
    });
    body[100] = body[100]! ^ 0x01;
    const url = env.server.register(body);
    const api = httpVendorApi(() => ({ ...base(url), artifact_encryption: encryption }));
    await expect(landArtifact(env.deps(api, { partBytes: 5 * 1024 * 1024 }), input)).rejects.toThrow(
      ArtifactVerificationError,
    );
    expect(await env.listKeys(prefix)).toEqual([]);
    expect(await env.listKeys(`_manifests/feed=retail-panel/scenario=${input.scenario.name}/`)).toEqual([]);
    expect(await env.openUploads()).toBe(0);
  });

  it('refuses an envelope made for another generation before any KMS Decrypt', async () => {
    const { input, base, prefix } = fresh('csv', 10);
    const { body, encryption } = await vendorEncrypt(csvBytes(10), {
      tenant_id: 'ten_it',
      generation_id: 'gen_someone_else',
    });
    const url = env.server.register(body);
    const api = httpVendorApi(() => ({ ...base(url), artifact_encryption: encryption }));
    const send = vi.spyOn(env.as('LandArtifact').kms, 'send');
    const downloadsBefore = env.server.downloads;
    try {
      await expect(landArtifact(env.deps(api), input)).rejects.toThrow(/refusing to unwrap/);
      expect(send.mock.calls.filter(([command]) => command instanceof DecryptCommand)).toHaveLength(0);
    } finally {
      send.mockRestore();
    }
    expect(env.server.downloads).toBe(downloadsBefore);
    expect(await env.listKeys(prefix)).toEqual([]);
  });

  it('re-fetches the generation when the artifact URL has expired, then lands', async () => {
    const bytes = csvBytes(20);
    const { input, base } = fresh('csv', 20);
    const stale = env.server.register(bytes);
    env.server.expire(stale);
    const good = env.server.register(bytes);
    const urls = [stale, good];
    const api = httpVendorApi(() => base(urls.shift() ?? good));
    const result = await landArtifact(env.deps(api), input);
    expect(api.getGeneration).toHaveBeenCalledTimes(2);
    expect(result.rowsGenerated).toBe(20);
    expect(await env.openUploads()).toBe(0);
  });

  it('refuses a file whose row count differs from rows_generated', async () => {
    const { input, base, prefix } = fresh('parquet', 50);
    const url = env.server.register(parquetBytes(49));
    await expect(landArtifact(env.deps(httpVendorApi(() => base(url))), input)).rejects.toBeInstanceOf(
      RowCountMismatchError,
    );
    expect(await env.listKeys(prefix)).toEqual([]);
    expect(await env.openUploads()).toBe(0);
  });

  it('returns the existing result on a retry after success, without a second copy', async () => {
    const bytes = parquetBytes(40);
    const { input, base, prefix } = fresh('parquet', 40);
    const url = env.server.register(bytes);
    const api = httpVendorApi(() => base(url));
    const first = await landArtifact(env.deps(api), input);
    const again = await landArtifact(env.deps(api), input);
    expect(again).toEqual({ ...first, alreadyLanded: true });
    expect(api.downloadArtifact).toHaveBeenCalledTimes(1);
    expect(await env.listKeys(prefix)).toEqual([first.outputKey]);
  });
});
