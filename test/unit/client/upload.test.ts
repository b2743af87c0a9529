import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SEED_BYTES, SimulacraClient, SimulacraInputError } from '../../../src/client/index.ts';
import type { SeedSource } from '../../../src/client/index.ts';
import { buildMultipartBody } from '../../../src/client/multipart.ts';
import {
  DATASET,
  countingTokenProvider,
  fakeClock,
  json,
  startTestServer,
} from '../../support/client-helpers.ts';
import type { TestServer } from '../../support/client-helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ keepBodyBytes: 0 });
});
afterAll(() => server.close());

const MB = 1024 * 1024;

/**
 * A loopback server for a child process (so its receive buffers do not count towards this
 * process's RSS): drains each body and answers a createDataset 200.
 */
const SINK_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ dataset_id: 'ds_sink', status: 'ready', request_id: 'req_sink', expires_at: '2026-05-02T17:30:00Z' }));
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
`;

/**
 * A generated seed of `size` bytes in 64 KiB chunks (nothing on disk). By default the chunks come
 * from a small ring of buffers, so the stream itself causes no allocation churn and RSS reflects
 * what the client holds; `onChunk` sees every chunk (fresh ones when `fresh` is set).
 */
function generatedSeed(
  size: number,
  options: { declareSize?: boolean; fresh?: boolean; onChunk?: (chunk: Buffer) => void } = {},
): SeedSource & { opened: number } {
  const CHUNK = 64 * 1024;
  const ring = Array.from({ length: 4 }, () => Buffer.alloc(CHUNK, 0x61));
  const seed = {
    opened: 0,
    filename: 'big.csv',
    contentType: 'text/csv',
    ...(options.declareSize === false ? {} : { size }),
    open() {
      seed.opened += 1;
      return Readable.from(
        (function* () {
          for (let offset = 0, i = 0; offset < size; offset += CHUNK, i += 1) {
            const n = Math.min(CHUNK, size - offset);
            const chunk = options.fresh ? Buffer.alloc(n, 0x61) : ring[i % ring.length]!.subarray(0, n);
            options.onChunk?.(chunk);
            yield chunk;
          }
        })(),
      );
    },
  };
  return seed;
}

/** `global.gc` without restarting the worker with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function client() {
  return new SimulacraClient({
    apiBase: server.origin,
    tokenProvider: countingTokenProvider(),
    clock: fakeClock(),
  });
}

describe('streaming upload', () => {
  it('uploads 200 MB with RSS growth well under 100 MB', async () => {
    // The receiving server runs in a child process so only the client's memory is measured.
    const child = spawn(process.execPath, ['--input-type=module', '-e', SINK_SERVER], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.once('message', (message) => resolve((message as { port: number }).port));
        child.once('error', reject);
      });
      const api = new SimulacraClient({
        apiBase: `http://127.0.0.1:${port}`,
        tokenProvider: countingTokenProvider(),
        clock: fakeClock(),
      });
      // Warm up (fetch loads its HTTP stack lazily on first use) so only the upload itself is measured.
      await api.createDataset({ seed: generatedSeed(MB), idempotencyKey: 'ds-warmup' });
      const size = 200 * MB;
      const seed = generatedSeed(size);
      exposeGc()();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 25);
      try {
        const result = await api.createDataset({ seed, idempotencyKey: 'ds-big' });
        expect(result.dataset_id).toBe('ds_sink');
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(seed.opened).toBe(1);
      console.log(`200 MB upload: peak RSS growth ${((peak - before) / MB).toFixed(1)} MB`);
      expect(peak - before).toBeLessThan(100 * MB);
    } finally {
      child.disconnect();
    }
  });

  it('releases sent chunks while uploading (no copy of the body is kept for a redirect replay)', async () => {
    server.script(json(200, DATASET));
    const gc = exposeGc();
    const sent: Array<WeakRef<Buffer>> = [];
    let aliveMidway = -1;
    const seed = generatedSeed(16 * MB, {
      fresh: true,
      onChunk: (chunk) => {
        sent.push(new WeakRef(chunk));
        if (sent.length === 200) {
          // 200 of 256 chunks produced: the first 150 have long been written to the socket.
          gc();
          aliveMidway = sent.slice(0, 150).filter((ref) => ref.deref() !== undefined).length;
        }
      },
    });
    await client().createDataset({ seed, idempotencyKey: 'ds-weak' });
    expect(sent).toHaveLength(256);
    expect(aliveMidway).toBeGreaterThanOrEqual(0);
    expect(aliveMidway).toBeLessThan(16);
  });

  it('sends the exact Content-Length of the multipart body', async () => {
    server.script(json(200, DATASET));
    const seed = generatedSeed(3 * MB + 17);
    await client().createDataset({ seed, idempotencyKey: 'ds-len', displayName: 'x' });
    const request = server.requests[0]!;
    expect(request.bodyLength).toBe(Number(request.headers['content-length']));
    expect(request.bodyLength).toBeGreaterThan(3 * MB + 17);
  });

  it('refuses a seed over 500 MB before sending anything', async () => {
    server.script(json(200, DATASET));
    const seed = generatedSeed(MAX_SEED_BYTES + 1);
    await expect(client().createDataset({ seed, idempotencyKey: 'ds-huge' })).rejects.toBeInstanceOf(
      SimulacraInputError,
    );
    expect(seed.opened).toBe(0);
    expect(server.requests).toHaveLength(0);
  });

  it('stops a seed of unknown size once it passes 500 MB', async () => {
    const body = buildMultipartBody([], generatedSeed(MAX_SEED_BYTES + MB, { declareSize: false }), 'b');
    expect(body.contentLength).toBeNull();
    const consume = async () => {
      for await (const _chunk of body.open()) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/500 MB/);
  });

  it('fails when the stream is shorter than the declared size', async () => {
    const seed = { ...generatedSeed(10), size: 20 };
    const body = buildMultipartBody([], seed, 'b');
    const consume = async () => {
      for await (const _chunk of body.open()) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/ended after 10 of the declared 20 bytes/);
  });
});
