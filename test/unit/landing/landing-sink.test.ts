import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLandingSink } from '../../../src/landing/landing-sink.ts';
import type { MultipartUpload } from '../../../src/landing/multipart.ts';

/**
 * A MultipartUpload stand-in that records its parts and can be made to fail. Like the SDK, it
 * reads a part's bytes only after a delay, so a buffer refilled while its upload runs shows up
 * as corrupted data.
 */
function fakeUpload(failAt?: number, delayMs = (_part: number) => 1) {
  const parts: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let inflight = 0;
  let maxInflight = 0;
  let calls = 0;
  const upload = {
    get partCount() {
      return calls;
    },
    async uploadPart(body: Buffer) {
      const part = (calls += 1);
      inflight += 1;
      maxInflight = Math.max(maxInflight, inflight);
      if (body.byteLength > 0) buffers.add(body.buffer);
      await new Promise((r) => setTimeout(r, delayMs(part)));
      parts[part - 1] = Buffer.from(body);
      inflight -= 1;
      if (failAt === part) throw new Error('UploadPart failed');
    },
  };
  return {
    upload: upload as unknown as MultipartUpload,
    parts,
    maxInflight: () => maxInflight,
    inflight: () => inflight,
    partBuffers: () => buffers.size,
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sink-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const chunksOf = (data: Buffer, size = 7) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, i * size + size));

async function run(
  data: Buffer,
  partBytes: number,
  options: { failAt?: number; concurrency?: number; delayMs?: (part: number) => number } = {},
) {
  const fake = fakeUpload(options.failAt, options.delayMs);
  const spoolPath = join(dir, 'spool');
  const sink = createLandingSink({
    upload: fake.upload,
    spool: createWriteStream(spoolPath),
    partBytes,
    concurrency: options.concurrency,
  });
  await pipeline(Readable.from(chunksOf(data)), sink.writable);
  return { ...fake, stats: sink.stats(), spooled: await readFile(spoolPath) };
}

describe('createLandingSink', () => {
  it('splits the stream into full parts plus a last short one and spools every byte', async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const out = await run(data, 32, { concurrency: 1 });
    expect(out.parts.map((p) => p.length)).toEqual([32, 32, 32, 4]);
    expect(Buffer.concat(out.parts).equals(data)).toBe(true);
    expect(out.spooled.equals(data)).toBe(true);
    expect(out.stats).toEqual({ bytes: 100, parts: 4 });
    expect(out.maxInflight()).toBe(1);
  });

  it('keeps up to `concurrency` parts in flight with concurrency + 1 buffers, in order and intact', async () => {
    const data = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 31) % 251));
    // Uneven upload times: later parts may finish before earlier ones.
    const out = await run(data, 64, { concurrency: 4, delayMs: (part) => 1 + ((part * 7) % 5) });
    expect(Buffer.concat(out.parts).equals(data)).toBe(true);
    expect(out.parts).toHaveLength(Math.ceil(2000 / 64));
    expect(out.maxInflight()).toBe(4);
    expect(out.partBuffers()).toBeLessThanOrEqual(5);
  });

  it('uploads one empty part for an empty artifact', async () => {
    const out = await run(Buffer.alloc(0), 32);
    expect(out.parts.map((p) => p.length)).toEqual([0]);
  });

  it('fails the stream when a part upload fails, after the other uploads settled', async () => {
    const fake = fakeUpload(2, (part) => (part === 2 ? 1 : 20));
    const sink = createLandingSink({ upload: fake.upload, partBytes: 32, concurrency: 4 });
    await expect(pipeline(Readable.from(chunksOf(Buffer.alloc(300, 1))), sink.writable)).rejects.toThrow(
      /UploadPart failed/,
    );
    expect(fake.inflight()).toBe(0);
  });

  it('lets running part uploads settle when the download fails mid-stream', async () => {
    const fake = fakeUpload(undefined, () => 20);
    const sink = createLandingSink({ upload: fake.upload, partBytes: 32, concurrency: 3 });
    const source = new Readable({ read: () => undefined });
    source.push(Buffer.alloc(100, 1));
    setTimeout(() => source.destroy(new Error('ECONNRESET')), 5);
    await expect(pipeline(source, sink.writable)).rejects.toThrow('ECONNRESET');
    expect(fake.inflight()).toBe(0);
    expect(() => sink.stats()).toThrow(/not finished/);
  });

  it('feeds the stream scan every byte in order, waiting for it, without a spool', async () => {
    const data = Buffer.from('id,x\n1,a\n2,b\n');
    const seen: Buffer[] = [];
    const scan = {
      write: async (chunk: Buffer) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(Buffer.from(chunk));
      },
    };
    const fake = fakeUpload();
    const sink = createLandingSink({ upload: fake.upload, scan, partBytes: 8 });
    await pipeline(Readable.from(chunksOf(data, 3)), sink.writable);
    expect(Buffer.concat(seen).equals(data)).toBe(true);
    expect(Buffer.concat(fake.parts).equals(data)).toBe(true);
  });

  it('fails the stream when the scan fails', async () => {
    const scan = {
      write: () => {
        throw new Error('scan worker stopped');
      },
    };
    const sink = createLandingSink({ upload: fakeUpload().upload, scan, partBytes: 8 });
    await expect(pipeline(Readable.from([Buffer.from('x')]), sink.writable)).rejects.toThrow(
      'scan worker stopped',
    );
  });

  it('fails the stream when the spool file cannot be written', async () => {
    const spool = new Writable({
      write: (_chunk, _encoding, callback) => callback(new Error('ENOSPC: no space left on device')),
    });
    const sink = createLandingSink({ upload: fakeUpload().upload, spool, partBytes: 8 });
    const source = Readable.from(chunksOf(Buffer.alloc(100, 1), 10));
    await expect(pipeline(source, sink.writable)).rejects.toThrow(/ENOSPC/);
  });
});
