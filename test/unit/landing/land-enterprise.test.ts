/**
 * landArtifact in enterprise mode: the envelope's key unwrapped with its exact context, the
 * ciphertext authenticated before anything is published, and envelopes of other generations
 * refused before any KMS or S3 call.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand } from '@aws-sdk/client-kms';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ArtifactVerificationError } from '../../../src/landing/errors.ts';
import { landArtifact } from '../../../src/landing/land.ts';
import { fakeApi } from '../../support/fake-vendor-api.ts';
import { csvBytes, download, GENERATION_ID, gcmEncrypt, generation } from './fixtures.ts';
import {
  deps,
  input,
  kmsMock,
  s3Mock,
  uploadedBodies,
  useLandMocks,
  writtenManifest,
} from '../../support/land-mocks.ts';

useLandMocks();

describe('landArtifact (enterprise)', () => {
  const key = randomBytes(32);
  const encrypted = (plaintext: Buffer) => gcmEncrypt(plaintext, key);
  const enterprise = (
    iv: Buffer,
    context: Record<string, string> = { tenant_id: 'ten_1', generation_id: GENERATION_ID },
  ) =>
    generation({
      artifact_url: 'http://storage.local/artifact?sig=1',
      artifact_encryption: {
        scheme: 'envelope-aes-256-gcm',
        wrapped_dek: Buffer.from('wrapped').toString('base64'),
        iv: iv.toString('base64'),
        encryption_context: context,
      },
    });

  it('unwraps the key with the exact context, decrypts and lands the plaintext', async () => {
    const plaintext = csvBytes(3);
    const { body, iv } = encrypted(plaintext);
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(key) });
    const api = fakeApi({
      getGeneration: () => Promise.resolve(enterprise(iv)),
      downloadArtifact: () => Promise.resolve(download(body, 5)),
    });
    const result = await landArtifact(deps(api, { artifactKmsKeyId: 'arn:aws:kms:us-east-1:1:key/wrap' }), {
      ...input,
      tenantId: 'ten_1',
    });
    expect(result.bytes).toBe(plaintext.byteLength);
    expect(Buffer.concat(uploadedBodies).equals(plaintext)).toBe(true);
    expect(kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input).toMatchObject({
      EncryptionContext: { tenant_id: 'ten_1', generation_id: GENERATION_ID },
      KeyId: 'arn:aws:kms:us-east-1:1:key/wrap',
    });
    expect(writtenManifest().artifactEncryption).toBe('envelope-aes-256-gcm');
  });

  it('aborts and lands nothing when the ciphertext was tampered with', async () => {
    const { body, iv } = encrypted(csvBytes(3));
    body[3] = body[3]! ^ 0xff;
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(key) });
    const api = fakeApi({
      getGeneration: () => Promise.resolve(enterprise(iv)),
      downloadArtifact: () => Promise.resolve(download(body, 5)),
    });
    await expect(landArtifact(deps(api), input)).rejects.toThrow(ArtifactVerificationError);
    await expect(landArtifact(deps(api), input)).rejects.toThrow(/tag does not verify/);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(2);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('reports a failed tag, not a format error, when the tampered plaintext is also malformed CSV', async () => {
    const { body, iv } = encrypted(csvBytes(40));
    // Flip bits in the middle of the body: the plaintext there changes (e.g. commas appear).
    for (let i = 100; i < 140; i += 1) body[i] = body[i]! ^ 0x2c;
    kmsMock.on(DecryptCommand).resolves({ Plaintext: new Uint8Array(key) });
    const api = fakeApi({
      getGeneration: () => Promise.resolve({ ...enterprise(iv), rows_requested: 40, rows_generated: 40 }),
      downloadArtifact: () => Promise.resolve(download(body, 5)),
    });
    await expect(landArtifact(deps(api), input)).rejects.toThrow(/tag does not verify/);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('refuses an envelope of another generation before calling KMS or S3', async () => {
    const { iv } = encrypted(csvBytes(3));
    const api = fakeApi({
      getGeneration: () =>
        Promise.resolve(enterprise(iv, { tenant_id: 'ten_1', generation_id: 'gen_other' })),
    });
    await expect(landArtifact(deps(api), input)).rejects.toThrow(/refusing to unwrap/);
    expect(kmsMock.commandCalls(DecryptCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
    expect(api.downloadArtifact).not.toHaveBeenCalled();
  });
});
