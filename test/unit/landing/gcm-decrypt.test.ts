import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createGcmDecryptStream, GcmAuthenticationError } from '../../../src/landing/gcm-decrypt.ts';
import { gcmEncrypt } from './fixtures.ts';

async function decrypt(body: Buffer, key: Buffer, iv: Buffer, chunk: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.byteLength; i += chunk) chunks.push(body.subarray(i, i + chunk));
  await pipeline(
    Readable.from(chunks),
    createGcmDecryptStream(key, iv),
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('createGcmDecryptStream', () => {
  const key = randomBytes(32);
  const plaintext = randomBytes(100_003);

  it.each([1, 5, 16, 17, 4096, 200_000])('decrypts ciphertext||tag fed in %i-byte chunks', async (chunk) => {
    const input = chunk < 100 ? plaintext.subarray(0, 3_001) : plaintext;
    const { body, iv } = gcmEncrypt(input, key);
    expect((await decrypt(body, key, iv, chunk)).equals(input)).toBe(true);
  });

  it('decrypts an empty plaintext (body = tag only)', async () => {
    const { body, iv } = gcmEncrypt(Buffer.alloc(0), key);
    expect((await decrypt(body, key, iv, 3)).byteLength).toBe(0);
  });

  it('fails with GcmAuthenticationError when one ciphertext byte is flipped', async () => {
    const { body, iv } = gcmEncrypt(plaintext, key);
    body[500] = body[500]! ^ 0x01;
    await expect(decrypt(body, key, iv, 4096)).rejects.toBeInstanceOf(GcmAuthenticationError);
  });

  it('fails when the tag is altered or the body is truncated', async () => {
    const { body, iv } = gcmEncrypt(plaintext, key);
    const badTag = Buffer.from(body);
    badTag[badTag.byteLength - 1] = badTag[badTag.byteLength - 1]! ^ 0x80;
    await expect(decrypt(badTag, key, iv, 4096)).rejects.toBeInstanceOf(GcmAuthenticationError);
    await expect(decrypt(body.subarray(0, body.byteLength - 1), key, iv, 4096)).rejects.toBeInstanceOf(
      GcmAuthenticationError,
    );
    await expect(decrypt(body.subarray(0, 10), key, iv, 4096)).rejects.toThrow(
      /shorter than its 16-byte tag/,
    );
  });

  it('refuses a wrong key size or IV size', () => {
    expect(() => createGcmDecryptStream(randomBytes(16), randomBytes(12))).toThrow(/32-byte key/);
    expect(() => createGcmDecryptStream(key, randomBytes(16))).toThrow(/12 bytes/);
  });
});
