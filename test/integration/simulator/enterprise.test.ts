import { createDecipheriv } from 'node:crypto';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type RunningMoto } from '../../../src/local/moto.ts';
import {
  readyDataset,
  readyGeneration,
  seedCsv,
  startSession,
  type Session,
} from '../../support/simulator-helpers.ts';

/** The documented layout: ciphertext || 16-byte GCM tag, 12-byte IV, no AAD. */
function decrypt(body: Buffer, dek: Uint8Array, ivBase64: string): Buffer {
  const iv = Buffer.from(ivBase64, 'base64');
  expect(iv).toHaveLength(12);
  const decipher = createDecipheriv('aes-256-gcm', dek, iv);
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

describe('simulator enterprise storage mode', () => {
  let moto: RunningMoto;
  let kms: KMSClient;
  let s: Session;
  let clock = Date.now();
  beforeAll(async () => {
    moto = await startMoto();
    const kmsConfig = { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials };
    kms = new KMSClient(kmsConfig);
    const key = await kms.send(new CreateKeyCommand({ Description: 'customer key' }));
    s = await startSession({
      mode: 'enterprise',
      enterprise: { kms: kmsConfig, keyId: key.KeyMetadata!.KeyId! },
      now: () => clock,
    });
  });
  afterAll(async () => {
    await s?.sim.close();
    kms?.destroy();
    await moto?.stop();
  });

  it('delivers an envelope-encrypted artifact from a separate storage origin that decrypts with KMS', async () => {
    const datasetId = await readyDataset(s, seedCsv());
    const generation = await readyGeneration(s, datasetId, { row_count: 25, output_format: 'csv', seed: 4 });
    const encryption = generation.artifact_encryption as {
      scheme: string;
      wrapped_dek: string;
      iv: string;
      encryption_context: Record<string, string>;
    };
    expect(encryption.scheme).toBe('envelope-aes-256-gcm');
    expect(encryption.encryption_context).toEqual({
      tenant_id: s.sim.operator.tenantOf(s.sim.demoTenant.clientId),
      generation_id: generation.generation_id,
    });
    const url = new URL(String(generation.artifact_url));
    expect(url.origin).toBe(s.sim.storageBase);
    expect(url.origin).not.toBe(s.sim.apiBase);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const body = Buffer.from(await res.arrayBuffer());
    const { Plaintext } = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(encryption.wrapped_dek, 'base64'),
        EncryptionContext: encryption.encryption_context,
      }),
    );
    expect(Plaintext).toHaveLength(32);
    const csv = decrypt(body, Plaintext!, encryption.iv).toString('utf8');
    expect(csv.split('\n')[0]).toBe('age,segment,channel,region,purchase.intent');
    expect(csv.trim().split('\n')).toHaveLength(26);

    await expect(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(encryption.wrapped_dek, 'base64'),
          EncryptionContext: { ...encryption.encryption_context, generation_id: 'gen_other' },
        }),
      ),
    ).rejects.toThrow(); // moto answers InvalidCiphertextException, which the SDK surfaces as an error
  });

  it('rejects an Authorization header, a bad signature and an expired URL like S3; the relay has no artifact', async () => {
    const datasetId = await readyDataset(s, seedCsv(60, 2));
    const generation = await readyGeneration(s, datasetId, { row_count: 5, output_format: 'parquet' });
    const url = String(generation.artifact_url);
    const withBearer = await fetch(url, { headers: { authorization: `Bearer ${await s.token()}` } });
    expect(withBearer.status).toBe(400);
    expect(await withBearer.text()).toContain('<Code>InvalidArgument</Code>');
    const tampered = await fetch(url.replace(/signature=[0-9a-f]{4}/, 'signature=ffff'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('SignatureDoesNotMatch');
    clock += 16 * 60_000;
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    clock = Date.now();
    const relay = await s.api(
      `/v1/generations/${String(generation.generation_id)}/download?expires=1&sig=00`,
    );
    expect(relay.status).toBe(404);
  });

  it('refuses to start enterprise mode without a KMS key', async () => {
    await expect(startSession({ mode: 'enterprise' })).rejects.toThrow(/options\.enterprise/);
  });
});
