/**
 * Streaming AES-256-GCM decryption for the vendor's enterprise artifact layout:
 * `body = ciphertext || tag` with a 16-byte tag at the very end, a 12-byte IV sent separately and
 * no AAD. The stream holds back the trailing 16 bytes of whatever it has seen so far (the tag can
 * only be known once the input ends), decrypts everything before them, and on end sets the tag
 * and calls `final()`. A tag that does not verify fails the stream, so a consumer that only
 * commits after a clean end never commits unauthenticated plaintext.
 */
import { createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** GCM tag length in bytes (the vendor layout, confirmed by the team decision). */
export const GCM_TAG_BYTES = 16;
/** GCM IV length in bytes. */
export const GCM_IV_BYTES = 12;

/** The artifact ended before a tag, or the tag did not verify. */
export class GcmAuthenticationError extends Error {
  override readonly name = 'GcmAuthenticationError';
}

/**
 * Creates a Transform that turns `ciphertext || tag` into verified plaintext chunks. Plaintext is
 * emitted before verification (GCM is single-shot); callers must treat it as provisional until
 * the stream ends without error.
 */
export function createGcmDecryptStream(key: Uint8Array, iv: Uint8Array): Transform {
  if (key.byteLength !== 32) throw new RangeError(`AES-256 needs a 32-byte key, got ${key.byteLength}`);
  if (iv.byteLength !== GCM_IV_BYTES) {
    throw new RangeError(`the GCM IV must be ${GCM_IV_BYTES} bytes, got ${iv.byteLength}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  // The last GCM_TAG_BYTES bytes seen so far; they may turn out to be ciphertext.
  let tail: Buffer = Buffer.alloc(0);

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (tail.byteLength + chunk.byteLength <= GCM_TAG_BYTES) {
        tail = Buffer.concat([tail, chunk]);
        callback();
        return;
      }
      try {
        // Everything but the last GCM_TAG_BYTES bytes seen so far is ciphertext. Decrypt the old
        // tail and the new chunk separately so large chunks are never copied.
        if (chunk.byteLength >= GCM_TAG_BYTES) {
          if (tail.byteLength > 0) this.push(decipher.update(tail));
          const cut = chunk.byteLength - GCM_TAG_BYTES;
          if (cut > 0) this.push(decipher.update(chunk.subarray(0, cut)));
          tail = Buffer.from(chunk.subarray(cut));
        } else {
          const joined = Buffer.concat([tail, chunk]);
          const cut = joined.byteLength - GCM_TAG_BYTES;
          this.push(decipher.update(joined.subarray(0, cut)));
          tail = joined.subarray(cut);
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (tail.byteLength !== GCM_TAG_BYTES) {
        callback(
          new GcmAuthenticationError(
            `the encrypted artifact is ${tail.byteLength} bytes long, shorter than its ${GCM_TAG_BYTES}-byte tag`,
          ),
        );
        return;
      }
      try {
        decipher.setAuthTag(tail);
        const last = decipher.final();
        callback(null, last.byteLength > 0 ? last : undefined);
      } catch (err) {
        callback(
          new GcmAuthenticationError(
            'the AES-GCM tag does not verify: the artifact was altered or truncated',
            {
              cause: err,
            },
          ),
        );
      }
    },
  });
}
