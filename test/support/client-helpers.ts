/**
 * Test helpers for the client: a scripted loopback HTTP server (port 0), a static token provider
 * that counts mints, and a fake clock that records backoff waits instead of sleeping.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulacraClient, type Clock, type TokenProvider } from '../../src/client/index.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly bodyLength: number;
  readonly bodySha256: string;
  readonly body: Buffer | null;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Handlers used in order, one per request; the last one repeats. */
  script(...handlers: Handler[]): void;
  close(): Promise<void>;
}

/** Starts a loopback server; bodies up to `keepBodyBytes` are kept, larger ones only hashed. */
export async function startTestServer(options: { keepBodyBytes?: number } = {}): Promise<TestServer> {
  const keep = options.keepBodyBytes ?? 1024 * 1024;
  const requests: RecordedRequest[] = [];
  let handlers: Handler[] = [];
  let served = 0;
  const server: Server = createServer((req, res) => {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      length += chunk.length;
      if (length <= keep) chunks.push(chunk);
    });
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        bodyLength: length,
        bodySha256: hash.digest('hex'),
        body: length <= keep ? Buffer.concat(chunks) : null,
      };
      requests.push(recorded);
      const handler = handlers[Math.min(served, handlers.length - 1)];
      served += 1;
      if (!handler) {
        res.statusCode = 500;
        res.end('no handler scripted');
        return;
      }
      void Promise.resolve(handler(recorded, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script(...next: Handler[]) {
      handlers = next;
      served = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_test123', ...headers });
    res.end(JSON.stringify(body));
  };
}

export function problem(
  status: number,
  code: string | null,
  detail = 'detail',
  headers: Record<string, string> = {},
): Handler {
  return (_req, res) => {
    res.writeHead(status, {
      'content-type': 'application/problem+json',
      'x-request-id': 'req_err123',
      ...headers,
    });
    res.end(
      JSON.stringify({
        type: code ? `https://api.simulacra-data.com/errors/${code}` : 'about:blank',
        title: 'Problem',
        status,
        detail,
        ...(code ? { code } : {}),
      }),
    );
  };
}

/** A token provider handing out `token-1`, `token-2`, … and counting mints and invalidations. */
export function countingTokenProvider(): TokenProvider & { mints: number; invalidated: string[] } {
  let current: string | null = null;
  const provider = {
    mints: 0,
    invalidated: [] as string[],
    getToken() {
      if (current === null) {
        provider.mints += 1;
        current = `token-${provider.mints}`;
      }
      return Promise.resolve(current);
    },
    invalidate(token: string) {
      provider.invalidated.push(token);
      if (current === token) current = null;
    },
  };
  return provider;
}

/** A clock whose `sleep` advances `now` and records the requested delays. */
export function fakeClock(
  start = Date.parse('2026-05-01T12:00:00Z'),
): Clock & { delays: number[]; time: number } {
  const clock = {
    time: start,
    delays: [] as number[],
    now: () => clock.time,
    random: () => 0.5,
    sleep: (ms: number) => {
      clock.delays.push(ms);
      clock.time += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

export const DATASET = {
  dataset_id: 'ds_abc',
  status: 'ready',
  request_id: 'req_1',
  created_at: '2026-05-01T17:30:00Z',
  expires_at: '2026-05-02T17:30:00Z',
};

export const GENERATION_202 = {
  generation_id: 'gen_abc',
  dataset_id: 'ds_abc',
  status: 'processing',
  request_id: 'req_2',
  job_id: 'job_abcd1234',
};

/** A createGeneration request with conditions of both kinds. */
export const GENERATION_INPUT = {
  datasetId: 'ds_abc',
  idempotencyKey: 'gen-0123abcd',
  row_count: 100,
  output_format: 'parquet',
  seed: 7,
  conditions: {
    categorical: { segment: { Premium: 0.5, Value: 0.5 } },
    numeric: { age: { min: 20, max: 40 } },
  },
} as const;

/** A client of `server` with a counting token provider and a fake clock (5 attempts by default). */
export function scriptedClient(
  server: Pick<TestServer, 'origin'>,
  options: { maxAttempts?: number; deadlineMs?: number } = {},
) {
  const tokens = countingTokenProvider();
  const clock = fakeClock();
  const api = new SimulacraClient({
    apiBase: server.origin,
    tokenProvider: tokens,
    clock,
    retry: { maxAttempts: options.maxAttempts ?? 5, deadlineMs: options.deadlineMs ?? 600_000 },
  });
  return { api, tokens, clock };
}
