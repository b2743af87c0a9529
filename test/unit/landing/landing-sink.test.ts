import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLandingSink } from '../../../src/landing/landing-sink.ts';
import type { MultipartUpload } from '../../../src/landing/multipart.ts';

/** A MultipartUpload stand-in that records copies of its parts and can be made to fail. */
function fakeUpload(failAt?: number) {
  const parts: Buffer[] = [];
  let inflight = 0;
  let maxInflight = 0;
  const upload = {
    get partCount() {
      return parts.length;
    },
    async uploadPart(body: Buffer) {
      inflight += 1;
      maxInflight = Math.max(maxInflight, inflight);
      parts.push(Buffer.from(body));
      await new Promise((r) => setTimeout(r, 1));
      inflight -= 1;
      if (failAt === parts.length) throw new Error('UploadPart failed');
    },
  };
  return { upload: upload as unknown as MultipartUpload, parts, maxInflight: () => maxInflight };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sink-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(data: Buffer, partBytes: number, failAt?: number) {
  const fake = fakeUpload(failAt);
  const spool = await open(join(dir, 'spool'), 'w');
  const sink = createLandingSink({ upload: fake.upload, spool, partBytes });
  const chunks = Array.from({ length: Math.ceil(data.length / 7) }, (_, i) =>
    data.subarray(i * 7, i * 7 + 7),
  );
  try {
    await pipeline(Readable.from(chunks), sink.writable);
  } finally {
    await spool.close();
  }
  return { ...fake, stats: sink.stats(), spooled: await readFile(join(dir, 'spool')) };
}

describe('createLandingSink', () => {
  it('splits the stream into full parts plus a last short one, spools and hashes every byte', async () => {
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const out = await run(data, 32);
    expect(out.parts.map((p) => p.length)).toEqual([32, 32, 32, 4]);
    expect(Buffer.concat(out.parts).equals(data)).toBe(true);
    expect(out.spooled.equals(data)).toBe(true);
    expect(out.stats).toEqual({
      bytes: 100,
      sha256: createHash('sha256').update(data).digest('hex'),
      parts: 4,
    });
    expect(out.maxInflight()).toBe(1);
  });

  it('uploads one empty part for an empty artifact', async () => {
    const out = await run(Buffer.alloc(0), 32);
    expect(out.parts.map((p) => p.length)).toEqual([0]);
  });

  it('fails the stream when a part upload fails', async () => {
    await expect(run(Buffer.alloc(100, 1), 32, 2)).rejects.toThrow(/UploadPart failed/);
  });
});
