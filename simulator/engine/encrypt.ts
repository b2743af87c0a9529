/**
 * Enterprise artifact encryption (envelope AES-256-GCM). Byte layout of the body:
 * `ciphertext || tag` (tag = last 16 bytes); IV 12 random bytes; no AAD. The data key comes
 * from KMS `GenerateDataKey` (AES_256) bound to the encryption context, so decrypting the
 * wrapped key needs exactly the same context.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;

export interface EncryptArtifactOptions {
  readonly kms: KMSClient;
  /** KMS key id or ARN that wraps the data key. */
  readonly keyId: string;
  /** String map bound to the wrapped key, e.g. `{ tenant_id, generation_id }`. */
  readonly encryptionContext: Readonly<Record<string, string>>;
}

export interface EncryptedArtifact {
  /** `ciphertext || 16-byte GCM tag`. */
  readonly body: Buffer;
  /** Standard base64 of the KMS CiphertextBlob of the data key. */
  readonly wrappedDek: string;
  /** Standard base64 of the 12-byte IV. */
  readonly iv: string;
}

/** Thrown when KMS does not return a usable data key. */
export class ArtifactEncryptionError extends Error {
  override readonly name = 'ArtifactEncryptionError';
}

/** Encrypts an artifact with a fresh data key; the plaintext key is zeroed before returning. */
export async function encryptArtifact(
  plaintext: Buffer,
  options: EncryptArtifactOptions,
): Promise<EncryptedArtifact> {
  const dataKey = await options.kms.send(
    new GenerateDataKeyCommand({
      KeyId: options.keyId,
      KeySpec: 'AES_256',
      EncryptionContext: { ...options.encryptionContext },
    }),
  );
  const key = dataKey.Plaintext;
  if (!key || key.length !== 32 || !dataKey.CiphertextBlob) {
    key?.fill(0);
    throw new ArtifactEncryptionError(
      'KMS GenerateDataKey did not return a 32-byte data key and its ciphertext blob',
    );
  }
  try {
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      body,
      wrappedDek: Buffer.from(dataKey.CiphertextBlob).toString('base64'),
      iv: iv.toString('base64'),
    };
  } finally {
    key.fill(0);
  }
}
