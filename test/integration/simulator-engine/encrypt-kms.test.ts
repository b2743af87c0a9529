import { createDecipheriv } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateKeyCommand, DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { encryptArtifact } from '../../../simulator/engine/index.ts';
import { awsClientConfig, startMoto } from '../../../src/local/moto.ts';
import type { RunningMoto } from '../../../src/local/moto.ts';

let moto: RunningMoto;
let kms: KMSClient;
let keyId: string;
const encryptionContext = { tenant_id: 'ten_demo', generation_id: 'gen_abc123' };

beforeAll(async () => {
  moto = await startMoto();
  kms = new KMSClient(awsClientConfig(moto));
  keyId = (await kms.send(new CreateKeyCommand({ Description: 'artifact key' }))).KeyMetadata!.KeyId!;
});

afterAll(async () => {
  kms?.destroy();
  await moto?.stop();
});

/** The customer-side recipe: KMS Decrypt with the exact context, then AES-256-GCM (tag = last 16 bytes). */
async function decrypt(
  body: Buffer,
  wrappedDek: string,
  iv: string,
  context: Record<string, string>,
): Promise<Buffer> {
  const { Plaintext } = await kms.send(
    new DecryptCommand({ CiphertextBlob: Buffer.from(wrappedDek, 'base64'), EncryptionContext: context }),
  );
  const key = Buffer.from(Plaintext!);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } finally {
    key.fill(0);
  }
}

describe('encryptArtifact with KMS on moto', () => {
  const plaintext = Buffer.from('age,segment\n34,Premium\n51,Value\n');

  it('decrypts with KMS Decrypt and the same encryption context', async () => {
    const out = await encryptArtifact(plaintext, { kms, keyId, encryptionContext });
    expect(out.body).toHaveLength(plaintext.length + 16);
    expect(Buffer.from(out.iv, 'base64')).toHaveLength(12);
    expect(out.wrappedDek).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(await decrypt(out.body, out.wrappedDek, out.iv, encryptionContext)).toEqual(plaintext);
  });

  it('uses a fresh data key and IV for every artifact', async () => {
    const a = await encryptArtifact(plaintext, { kms, keyId, encryptionContext });
    const b = await encryptArtifact(plaintext, { kms, keyId, encryptionContext });
    expect(a.iv).not.toBe(b.iv);
    expect(a.wrappedDek).not.toBe(b.wrappedDek);
    expect(a.body.equals(b.body)).toBe(false);
  });

  it('fails with a different encryption context', async () => {
    const out = await encryptArtifact(plaintext, { kms, keyId, encryptionContext });
    await expect(
      decrypt(out.body, out.wrappedDek, out.iv, { ...encryptionContext, generation_id: 'gen_other' }),
    ).rejects.toThrow();
  });

  it('fails when one ciphertext byte or the tag is flipped', async () => {
    const out = await encryptArtifact(plaintext, { kms, keyId, encryptionContext });
    const flipped = Buffer.from(out.body);
    flipped[3]! ^= 0x01;
    await expect(decrypt(flipped, out.wrappedDek, out.iv, encryptionContext)).rejects.toThrow(/authenticate/);
    const badTag = Buffer.from(out.body);
    badTag[badTag.length - 1]! ^= 0x80;
    await expect(decrypt(badTag, out.wrappedDek, out.iv, encryptionContext)).rejects.toThrow(/authenticate/);
  });
});
