/**
 * Enterprise-mode envelope handling: check that the artifact's envelope belongs to the expected
 * generation (and tenant), then unwrap its data key with KMS under exactly that encryption
 * context. The context is checked BEFORE any KMS call, so a swapped or replayed envelope never
 * reaches the customer's key.
 */
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { ArtifactEncryption } from '../client/contract.ts';
import { ArtifactVerificationError } from './errors.ts';
import { GCM_IV_BYTES } from './gcm-decrypt.ts';

/** The encryption scheme of enterprise storage mode. */
export const ENVELOPE_SCHEME = 'envelope-aes-256-gcm';
/** The encryption scheme of managed mode (the vendor encrypts at rest; nothing to do). */
export const MANAGED_SCHEME = 'managed';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A checked envelope, ready for KMS. */
export interface CheckedEnvelope {
  readonly wrappedDek: Uint8Array;
  readonly iv: Uint8Array;
  readonly encryptionContext: Readonly<Record<string, string>>;
}

export interface EnvelopeExpectation {
  readonly generationId: string;
  /** Tenant id the envelope must name, when the pipeline knows it. */
  readonly tenantId?: string | undefined;
}

function decodeBase64(generationId: string, field: string, value: string | null): Uint8Array {
  if (value === null || value.length === 0) {
    throw new ArtifactVerificationError(generationId, `artifact_encryption.${field} is missing`);
  }
  if (!BASE64.test(value)) {
    throw new ArtifactVerificationError(generationId, `artifact_encryption.${field} is not standard base64`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * Validates the envelope metadata against what this landing expects. Throws
 * {@link ArtifactVerificationError} naming the first problem; never calls KMS.
 */
export function checkEnvelope(
  encryption: ArtifactEncryption,
  expected: EnvelopeExpectation,
): CheckedEnvelope {
  const id = expected.generationId;
  if (encryption.scheme !== ENVELOPE_SCHEME) {
    throw new ArtifactVerificationError(id, `unsupported artifact_encryption.scheme "${encryption.scheme}"`);
  }
  const context = encryption.encryption_context;
  if (context === null || typeof context !== 'object') {
    throw new ArtifactVerificationError(id, 'artifact_encryption.encryption_context is missing');
  }
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      throw new ArtifactVerificationError(
        id,
        `artifact_encryption.encryption_context.${key} is not a string`,
      );
    }
  }
  if (context.generation_id !== id) {
    throw new ArtifactVerificationError(
      id,
      `the envelope's encryption_context.generation_id (${String(context.generation_id)}) is not this generation; refusing to unwrap its key`,
    );
  }
  if (expected.tenantId !== undefined && context.tenant_id !== expected.tenantId) {
    throw new ArtifactVerificationError(
      id,
      `the envelope's encryption_context.tenant_id (${String(context.tenant_id)}) is not the expected tenant; refusing to unwrap its key`,
    );
  }
  const wrappedDek = decodeBase64(id, 'wrapped_dek', encryption.wrapped_dek);
  const iv = decodeBase64(id, 'iv', encryption.iv);
  if (iv.byteLength !== GCM_IV_BYTES) {
    throw new ArtifactVerificationError(
      id,
      `artifact_encryption.iv is ${iv.byteLength} bytes; AES-GCM here uses ${GCM_IV_BYTES}`,
    );
  }
  return { wrappedDek, iv, encryptionContext: { ...context } };
}

/**
 * What enterprise mode promises before anything is downloaded: the artifact is envelope-encrypted
 * (a plaintext `managed` artifact is refused; nothing lands) and its envelope names this generation
 * and the configured tenant. In managed mode only an envelope, if one comes, is checked.
 */
export function checkArtifactProtection(
  encryption: ArtifactEncryption | null | undefined,
  expected: EnvelopeExpectation & { readonly enterprise: boolean },
): void {
  const scheme = encryption?.scheme ?? MANAGED_SCHEME;
  if (scheme === ENVELOPE_SCHEME && encryption) {
    checkEnvelope(encryption, expected);
    return;
  }
  if (expected.enterprise) {
    throw new ArtifactVerificationError(
      expected.generationId,
      `the artifact is not envelope-encrypted (artifact_encryption.scheme "${scheme}") but the pipeline runs in enterprise mode; refusing to land plaintext. Ask Simulacra to enable envelope encryption for the tenant, or deploy with mode "managed"`,
    );
  }
}

/**
 * Unwraps the data key with KMS `Decrypt`, passing the checked encryption context exactly and
 * pinning `KeyId` when configured. The caller owns the returned buffer and must zero it
 * (`fill(0)`) once the decipher is done.
 */
export async function unwrapDataKey(
  kms: KMSClient,
  envelope: CheckedEnvelope,
  options: { generationId: string; keyId?: string | undefined },
): Promise<Buffer> {
  let plaintext: Uint8Array | undefined;
  try {
    const out = await kms.send(
      new DecryptCommand({
        CiphertextBlob: envelope.wrappedDek,
        EncryptionContext: { ...envelope.encryptionContext },
        ...(options.keyId ? { KeyId: options.keyId } : {}),
      }),
    );
    plaintext = out.Plaintext;
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    if (name === 'InvalidCiphertextException' || name === 'IncorrectKeyException') {
      throw new ArtifactVerificationError(
        options.generationId,
        `KMS refused to unwrap the data key (${name}): wrong key or encryption context`,
        { cause: err },
      );
    }
    throw err;
  }
  if (!plaintext || plaintext.byteLength !== 32) {
    plaintext?.fill(0);
    throw new ArtifactVerificationError(
      options.generationId,
      `KMS returned a ${plaintext?.byteLength ?? 0}-byte data key; AES-256 needs 32`,
    );
  }
  const key = Buffer.from(plaintext);
  plaintext.fill(0);
  return key;
}
