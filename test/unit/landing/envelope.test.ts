import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactEncryption } from '../../../src/client/contract.ts';
import { checkArtifactProtection, checkEnvelope, unwrapDataKey } from '../../../src/landing/envelope.ts';
import { ArtifactVerificationError } from '../../../src/landing/errors.ts';

const kmsMock = mockClient(KMSClient);
const kms = new KMSClient({ region: 'us-east-1' });

const envelope = (overrides: Partial<ArtifactEncryption> = {}): ArtifactEncryption => ({
  scheme: 'envelope-aes-256-gcm',
  wrapped_dek: Buffer.from('wrapped-key-blob').toString('base64'),
  iv: Buffer.alloc(12, 7).toString('base64'),
  encryption_context: { tenant_id: 'ten_1', generation_id: 'gen_1' },
  ...overrides,
});

describe('checkArtifactProtection', () => {
  const enterprise = { enterprise: true, generationId: 'gen_1', tenantId: 'ten_1' };
  it('refuses a plaintext (managed) or unencrypted artifact in enterprise mode, naming both fixes', () => {
    for (const encryption of [{ scheme: 'managed' } as ArtifactEncryption, null, undefined]) {
      expect(() => checkArtifactProtection(encryption, enterprise)).toThrow(ArtifactVerificationError);
    }
    expect(() => checkArtifactProtection({ scheme: 'managed' } as ArtifactEncryption, enterprise)).toThrow(
      /not envelope-encrypted \(artifact_encryption.scheme "managed"\)[\s\S]*refusing to land plaintext[\s\S]*mode "managed"/,
    );
  });
  it('refuses an envelope of another tenant or without a tenant when one is configured', () => {
    expect(() =>
      checkArtifactProtection(
        envelope({ encryption_context: { tenant_id: 'ten_2', generation_id: 'gen_1' } }),
        enterprise,
      ),
    ).toThrow(/tenant_id \(ten_2\) is not the expected tenant/);
    expect(() =>
      checkArtifactProtection(envelope({ encryption_context: { generation_id: 'gen_1' } }), enterprise),
    ).toThrow(/tenant_id \(undefined\) is not the expected tenant/);
  });
  it('accepts the configured tenant, and anything in managed mode', () => {
    expect(() => checkArtifactProtection(envelope(), enterprise)).not.toThrow();
    expect(() =>
      checkArtifactProtection({ scheme: 'managed' } as ArtifactEncryption, {
        ...enterprise,
        enterprise: false,
      }),
    ).not.toThrow();
  });
});

describe('checkEnvelope', () => {
  it('accepts an envelope of the expected generation and tenant', () => {
    const checked = checkEnvelope(envelope(), { generationId: 'gen_1', tenantId: 'ten_1' });
    expect(checked.iv.byteLength).toBe(12);
    expect(checked.encryptionContext).toEqual({ tenant_id: 'ten_1', generation_id: 'gen_1' });
  });

  it.each([
    [
      'another generation',
      envelope({ encryption_context: { tenant_id: 'ten_1', generation_id: 'gen_2' } }),
      /generation_id \(gen_2\)/,
    ],
    [
      'another tenant',
      envelope({ encryption_context: { tenant_id: 'ten_9', generation_id: 'gen_1' } }),
      /tenant_id \(ten_9\)/,
    ],
    ['no context', envelope({ encryption_context: null }), /encryption_context is missing/],
    ['no wrapped key', envelope({ wrapped_dek: null }), /wrapped_dek is missing/],
    ['url-safe base64 iv', envelope({ iv: 'AAAAAAAAAAAAAAA_' }), /iv is not standard base64/],
    ['a 16-byte iv', envelope({ iv: Buffer.alloc(16).toString('base64') }), /iv is 16 bytes/],
    ['another scheme', envelope({ scheme: 'rot13' }), /unsupported/],
  ])('refuses %s', (_label, value, message) => {
    expect(() => checkEnvelope(value, { generationId: 'gen_1', tenantId: 'ten_1' })).toThrow(message);
    expect(() => checkEnvelope(value, { generationId: 'gen_1', tenantId: 'ten_1' })).toThrow(
      ArtifactVerificationError,
    );
  });

  it('does not check the tenant when it is not known', () => {
    const value = envelope({ encryption_context: { tenant_id: 'ten_9', generation_id: 'gen_1' } });
    expect(() => checkEnvelope(value, { generationId: 'gen_1' })).not.toThrow();
  });
});

describe('unwrapDataKey', () => {
  beforeEach(() => kmsMock.reset());

  it('decrypts with exactly the envelope context and the pinned key id, and zeroes the SDK buffer', async () => {
    const plaintext = new Uint8Array(32).fill(9);
    kmsMock.on(DecryptCommand).resolves({ Plaintext: plaintext });
    const checked = checkEnvelope(envelope(), { generationId: 'gen_1' });
    const key = await unwrapDataKey(kms, checked, {
      generationId: 'gen_1',
      keyId: 'arn:aws:kms:us-east-1:1:key/k',
    });
    expect(key.equals(Buffer.alloc(32, 9))).toBe(true);
    expect(plaintext.every((b) => b === 0)).toBe(true);
    const input = kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(input.EncryptionContext).toEqual({ tenant_id: 'ten_1', generation_id: 'gen_1' });
    expect(input.KeyId).toBe('arn:aws:kms:us-east-1:1:key/k');
    expect(Buffer.from(input.CiphertextBlob!).toString()).toBe('wrapped-key-blob');
  });

  it('omits KeyId when no key is configured', async () => {
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(32) });
    await unwrapDataKey(kms, checkEnvelope(envelope(), { generationId: 'gen_1' }), { generationId: 'gen_1' });
    expect(kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input.KeyId).toBeUndefined();
  });

  it('turns InvalidCiphertextException into ArtifactVerificationError', async () => {
    const err = Object.assign(new Error('bad'), { name: 'InvalidCiphertextException' });
    kmsMock.on(DecryptCommand).rejects(err);
    await expect(
      unwrapDataKey(kms, checkEnvelope(envelope(), { generationId: 'gen_1' }), { generationId: 'gen_1' }),
    ).rejects.toThrow(ArtifactVerificationError);
  });

  it('refuses a data key that is not 32 bytes', async () => {
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(16) });
    await expect(
      unwrapDataKey(kms, checkEnvelope(envelope(), { generationId: 'gen_1' }), { generationId: 'gen_1' }),
    ).rejects.toThrow(/16-byte data key/);
  });
});
