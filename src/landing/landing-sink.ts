/**
 * The write end of a landing: one Writable that hands every plaintext chunk to the stream scan
 * (SHA-256 and, for CSV, the inspection; `stream-scan.ts`, possibly in a worker thread), appends
 * it to a spool file (formats inspected after the stream ends), and accumulates an S3 part, uploading it once it reaches the part size. Up to
 * `concurrency` part uploads run while the next part fills; a write does not call back while a
 * full part waits for a free buffer, so memory stays at `concurrency + 1` part buffers whatever
 * the artifact size (stream backpressure propagates to the download).
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { DEFAULT_PART_BYTES, type MultipartUpload } from './multipart.ts';

/** Part uploads in flight at once by default. */
export const DEFAULT_UPLOAD_CONCURRENCY = 3;

export interface LandingSinkStats {
  readonly bytes: number;
  readonly parts: number;
}

export interface LandingSink {
  readonly writable: Writable;
  /** Available once `writable` has finished; throws before that. */
  stats(): LandingSinkStats;
}

export interface LandingSinkOptions {
  readonly upload: MultipartUpload;
  /** Sees every byte while it streams; a returned promise holds the stream back until it settles. */
  readonly scan?: { write(chunk: Buffer): Promise<void> | void } | null | undefined;
  /** Receives every byte; the sink ends it (flushed) when the stream finishes, or destroys it. */
  readonly spool?: Writable | null | undefined;
  readonly partBytes?: number | undefined;
  /** Part uploads in flight at once (default {@link DEFAULT_UPLOAD_CONCURRENCY}). */
  readonly concurrency?: number | undefined;
}

export function createLandingSink(options: LandingSinkOptions): LandingSink {
  const { upload, scan, spool } = options;
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY);
  // Part buffers are allocated on first use and reused: one fills while the others upload.
  const free: Buffer[] = [];
  const inflight = new Set<Promise<void>>();
  let current: Buffer | null = null;
  let filled = 0;
  let total = 0;
  let done = false;

  let spoolError: Error | null = null;
  // Kept for the next write: an 'error' nobody listens to would crash the process.
  spool?.on('error', (err: Error) => {
    spoolError ??= err;
  });

  function takeBuffer(): Buffer {
    // At most `concurrency` buffers are uploading, so at most `concurrency + 1` ever exist.
    return free.pop() ?? Buffer.allocUnsafeSlow(partBytes);
  }

  async function flushPart(): Promise<void> {
    while (inflight.size >= concurrency) {
      // Rejects as soon as any in-flight part failed.
      await Promise.race(inflight);
    }
    const body = current ?? Buffer.alloc(0);
    const task = upload.uploadPart(body.subarray(0, filled)).finally(() => {
      inflight.delete(task);
      if (body.byteLength > 0) free.push(body);
    });
    // Surface a failed upload on the next await instead of as an unhandled rejection.
    task.catch(() => undefined);
    inflight.add(task);
    current = null;
    filled = 0;
  }

  async function append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      current ??= takeBuffer();
      const n = Math.min(chunk.byteLength - offset, partBytes - filled);
      chunk.copy(current, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === partBytes) await flushPart();
    }
  }

  async function write(chunk: Buffer): Promise<void> {
    total += chunk.byteLength;
    await scan?.write(chunk);
    if (spoolError) throw spoolError;
    if (spool && !spool.write(chunk)) await once(spool, 'drain');
    await append(chunk);
  }

  async function finish(): Promise<void> {
    // The last part may be small; an empty artifact still needs one (empty) part.
    if (filled > 0 || upload.partCount === 0) await flushPart();
    await Promise.all(inflight);
    if (spool) {
      spool.end();
      await finished(spool);
    }
    done = true;
  }

  const writable = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      write(chunk).then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    },
    final(callback) {
      finish().then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    },
    destroy(err, callback) {
      spool?.destroy();
      // Let running part uploads settle so the caller's abort comes after the last of them.
      void Promise.allSettled(inflight).then(() => callback(err));
    },
  });

  return {
    writable,
    stats() {
      if (!done) throw new Error('the landing sink has not finished');
      return { bytes: total, parts: upload.partCount };
    },
  };
}
