import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { ArtifactEncryptionError, encryptArtifact } from '../../../simulator/engine/index.ts';

const context = { tenant_id: 'ten_1', generation_id: 'gen_1' };

describe('encryptArtifact (KMS mocked)', () => {
  it('asks KMS for an AES_256 key bound to the context, lays out ciphertext||tag, zeroes the key', async () => {
    const kms = new KMSClient({ region: 'us-east-1' });
    const mock = mockClient(kms);
    const dataKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const keyCopy = Buffer.from(dataKey);
    mock
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: dataKey, CiphertextBlob: Buffer.from('wrapped'), KeyId: 'k' });

    const plaintext = Buffer.from('hello, synthetic world');
    const out = await encryptArtifact(plaintext, { kms, keyId: 'alias/test', encryptionContext: context });

    expect(mock.commandCalls(GenerateDataKeyCommand)[0]!.args[0].input).toEqual({
      KeyId: 'alias/test',
      KeySpec: 'AES_256',
      EncryptionContext: context,
    });
    expect(out.wrappedDek).toBe(Buffer.from('wrapped').toString('base64'));
    const iv = Buffer.from(out.iv, 'base64');
    expect(iv).toHaveLength(12);
    expect(out.body).toHaveLength(plaintext.length + 16);
    expect(dataKey.every((b) => b === 0)).toBe(true);

    const decipher = createDecipheriv('aes-256-gcm', keyCopy, iv);
    decipher.setAuthTag(out.body.subarray(-16));
    expect(Buffer.concat([decipher.update(out.body.subarray(0, -16)), decipher.final()])).toEqual(plaintext);
  });

  it('fails clearly when KMS returns no usable key', async () => {
    const kms = new KMSClient({ region: 'us-east-1' });
    mockClient(kms)
      .on(GenerateDataKeyCommand)
      .resolves({ Plaintext: new Uint8Array(16), CiphertextBlob: Buffer.from('x') });
    await expect(
      encryptArtifact(Buffer.from('x'), { kms, keyId: 'k', encryptionContext: context }),
    ).rejects.toThrow(ArtifactEncryptionError);
  });
});
