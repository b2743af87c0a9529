/**
 * The write end of a landing: one Writable that, for every plaintext chunk, updates the SHA-256,
 * appends to a spool file in the local temp directory (for format inspection after the stream
 * ends), and accumulates an S3 part, uploading it once it reaches the part size. At most one part
 * upload runs while the next part fills; a write does not call back while a full part is still
 * waiting for the previous upload, so memory stays at about two part buffers whatever the
 * artifact size (stream backpressure propagates to the download).
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { DEFAULT_PART_BYTES, type MultipartUpload } from './multipart.ts';

export interface LandingSinkStats {
  readonly bytes: number;
  readonly sha256: string;
  readonly parts: number;
}

export interface LandingSink {
  readonly writable: Writable;
  /** Available once `writable` has finished; throws before that. */
  stats(): LandingSinkStats;
}

export function createLandingSink(options: {
  upload: MultipartUpload;
  spool: FileHandle;
  partBytes?: number;
}): LandingSink {
  const { upload, spool } = options;
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  const hash = createHash('sha256');
  // Two part buffers, allocated on first use and reused: one fills while the other uploads.
  const buffers: Array<Buffer | undefined> = [undefined, undefined];
  let current = 0;
  let filled = 0;
  let total = 0;
  let inflight: Promise<void> | null = null;
  let digest: string | null = null;

  const buffer = (index: number): Buffer => (buffers[index] ??= Buffer.allocUnsafeSlow(partBytes));

  async function flushPart(): Promise<void> {
    // The other buffer's upload must finish before that buffer is refilled.
    if (inflight) await inflight;
    inflight = upload.uploadPart(buffer(current).subarray(0, filled));
    // Surface a failed upload on the next await instead of as an unhandled rejection.
    inflight.catch(() => undefined);
    current ^= 1;
    filled = 0;
  }

  async function append(chunk: Buffer): Promise<void> {
    await spool.write(chunk);
    let offset = 0;
    while (offset < chunk.byteLength) {
      const n = Math.min(chunk.byteLength - offset, partBytes - filled);
      chunk.copy(buffer(current), filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === partBytes) await flushPart();
    }
  }

  const writable = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      total += chunk.byteLength;
      append(chunk).then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    },
    final(callback) {
      (async () => {
        // The last part may be small; an empty artifact still needs one (empty) part.
        if (filled > 0 || upload.partCount === 0) await flushPart();
        if (inflight) await inflight;
        digest = hash.digest('hex');
      })().then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    },
  });

  return {
    writable,
    stats() {
      if (digest === null) throw new Error('the landing sink has not finished');
      return { bytes: total, sha256: digest, parts: upload.partCount };
    },
  };
}
