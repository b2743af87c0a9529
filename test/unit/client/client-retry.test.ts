import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SimulacraApiError,
  SimulacraClient,
  SimulacraNetworkError,
  classifyError,
} from '../../../src/client/index.ts';
import type { SeedSource } from '../../../src/client/index.ts';
import {
  DATASET,
  GENERATION_202,
  GENERATION_INPUT as generationInput,
  scriptedClient,
  countingTokenProvider,
  fakeClock,
  json,
  problem,
  startTestServer,
} from '../../support/client-helpers.ts';
import type { TestServer } from '../../support/client-helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const client = (options: { maxAttempts?: number; deadlineMs?: number } = {}) =>
  scriptedClient(server, options);

describe('SimulacraClient retries', () => {
  it('waits for Retry-After seconds on 429 plus up to 20 % jitter, then succeeds', async () => {
    const { api, clock } = client();
    server.script(problem(429, null, 'slow down', { 'retry-after': '3' }), json(202, GENERATION_202));
    const result = await api.createGeneration(generationInput);
    expect(result.job_id).toBe('job_abcd1234');
    // random() = 0.5 in tests: 3 s + 0.5 × 20 % of it.
    expect(clock.delays).toEqual([3300]);
    expect(result.meta).toEqual({ httpStatus: 202, xRequestId: 'req_test123', attempts: 2 });
  });

  it('honours the HTTP-date form of Retry-After', async () => {
    const { api, clock } = client();
    const at = new Date(clock.time + 7000).toUTCString();
    server.script(problem(429, null, 'slow down', { 'retry-after': at }), json(200, DATASET));
    await api.getDataset('ds_abc');
    expect(clock.delays).toHaveLength(1);
    expect(clock.delays[0]).toBe(7700);
  });

  it('retries 503 three times with the same Idempotency-Key and byte-identical JSON body', async () => {
    const { api, clock } = client();
    server.script(problem(503, null), problem(503, null), problem(503, null), json(202, GENERATION_202));
    const result = await api.createGeneration(generationInput);
    expect(result.meta.attempts).toBe(4);
    expect(server.requests).toHaveLength(4);
    const keys = new Set(server.requests.map((r) => r.headers['idempotency-key']));
    const bodies = new Set(server.requests.map((r) => r.bodySha256));
    expect([...keys]).toEqual(['gen-0123abcd']);
    expect(bodies.size).toBe(1);
    expect(JSON.parse(server.requests[0]!.body!.toString())).toEqual({
      row_count: 100,
      output_format: 'parquet',
      seed: 7,
      conditions: generationInput.conditions,
    });
    // jittered exponential backoff: random 0.5 × 250·2^(n−1)
    expect(clock.delays).toEqual([125, 250, 500]);
  });

  it('re-creates the multipart body from the stream factory on every attempt, sending identical bytes', async () => {
    const { api } = client();
    let opened = 0;
    const content = Buffer.from('age,segment\n30,Premium\n41,Value\n');
    const seed: SeedSource = {
      filename: 'seed.csv',
      contentType: 'text/csv',
      size: content.length,
      open: () => {
        opened += 1;
        return Readable.from([content.subarray(0, 10), content.subarray(10)]);
      },
    };
    server.script(
      problem(503, null),
      problem(503, null),
      problem(503, null),
      json(202, { ...DATASET, status: 'processing', job_id: 'job_ds000001' }),
    );
    const result = await api.createDataset({
      seed,
      idempotencyKey: 'ds-feedc0de',
      displayName: 'Seed',
      autoClean: true,
      waitSeconds: 0,
    });
    expect(result.job_id).toBe('job_ds000001');
    expect(opened).toBe(4);
    expect(new Set(server.requests.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set(['ds-feedc0de']),
    );
    expect(new Set(server.requests.map((r) => r.bodySha256)).size).toBe(1);
    const first = server.requests[0]!;
    expect(first.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(first.headers['content-length'])).toBe(first.bodyLength);
    const text = first.body!.toString();
    expect(text).toContain('name="display_name"\r\n\r\nSeed\r\n');
    expect(text).toContain('name="auto_clean"\r\n\r\ntrue\r\n');
    expect(text).toContain('name="wait_seconds"\r\n\r\n0\r\n');
    expect(text).toContain(
      'filename="seed.csv"\r\nContent-Type: text/csv\r\n\r\nage,segment\n30,Premium\n41,Value\n\r\n',
    );
    expect(text).not.toContain('idempotency_key');
  });

  it('does not retry 402 or 413', async () => {
    for (const [status, code] of [
      [402, 'simio_quota_exhausted'],
      [413, 'simio_per_request_cap_exceeded'],
    ] as const) {
      const { api, clock } = client();
      server.script(problem(status, code, 'no'), json(202, GENERATION_202));
      const err = await api.createGeneration(generationInput).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SimulacraApiError);
      expect((err as SimulacraApiError).status).toBe(status);
      expect((err as SimulacraApiError).code).toBe(code);
      expect((err as SimulacraApiError).retryable).toBe(false);
      expect(classifyError(err)).toBe('terminal');
      expect(server.requests).toHaveLength(1);
      expect(clock.delays).toEqual([]);
    }
  });

  it('retries a 409 idempotency conflict that means "in flight", not one that means "different body"', async () => {
    const { api } = client();
    server.script(
      problem(409, 'simio_idempotency_conflict', 'A request with this key is still in flight.'),
      json(202, GENERATION_202),
    );
    await expect(api.createGeneration(generationInput)).resolves.toMatchObject({ meta: { attempts: 2 } });
    server.script(
      problem(409, 'simio_idempotency_conflict', 'idempotency_key was used with a different request body.'),
    );
    await expect(api.createGeneration(generationInput)).rejects.toMatchObject({
      status: 409,
      retryable: false,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('stops at the deadline instead of waiting past it', async () => {
    const { api, clock } = client({ deadlineMs: 5_000 });
    server.script(problem(503, null, 'down', { 'retry-after': '2' }));
    const err = await api.getDataset('ds_abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraApiError);
    expect((err as SimulacraApiError).retryAfterSeconds).toBe(2);
    // 2.2 s + 2.2 s fit in 5 s; a third wait would end past the deadline.
    expect(clock.delays).toEqual([2200, 2200]);
    expect(server.requests).toHaveLength(3);
  });

  it('stops after maxAttempts', async () => {
    const { api } = client({ maxAttempts: 2 });
    server.script(problem(500, null));
    await expect(api.getJob('job_abcd1234')).rejects.toMatchObject({ status: 500, retryable: true });
    expect(server.requests).toHaveLength(2);
  });

  it('treats a truncated body as a retryable network error', async () => {
    const { api } = client();
    server.script(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"dataset_id":"ds_abc"');
        setTimeout(() => res.destroy(), 5);
      },
      json(200, DATASET),
    );
    const dataset = await api.getDataset('ds_abc');
    expect(dataset.meta.attempts).toBe(2);

    server.script((_req, res) => {
      res.destroy();
    });
    const { api: once } = client({ maxAttempts: 1 });
    const err = await once.getDataset('ds_abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraNetworkError);
    expect(classifyError(err)).toBe('retryable');
  });

  it('times out a hanging attempt via AbortSignal and retries', async () => {
    const tokens = countingTokenProvider();
    const api = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: tokens,
      clock: fakeClock(),
      timeoutMs: 100,
    });
    server.script(() => undefined /* never answers */, json(200, DATASET));
    const dataset = await api.getDataset('ds_abc');
    expect(dataset.meta.attempts).toBe(2);
  });
});

describe("SimulacraClient under its caller's deadline (a Lambda invocation's end)", () => {
  it('ends a hanging call by then with a retryable network error, however long timeoutMs is', async () => {
    const end = Date.now() + 300;
    const api = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: countingTokenProvider(),
      deadline: () => end,
    });
    // Without the bound the attempt would wait the default 120 s for an answer.
    server.script(() => undefined /* never answers */, json(200, DATASET));
    const err = await api.getJob('job_abcd1234').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraNetworkError);
    expect(classifyError(err)).toBe('retryable');
    expect(Date.now() - end).toBeLessThan(1_000);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing once the deadline has passed, and backs off only within it', async () => {
    const clock = fakeClock();
    const bounded = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: countingTokenProvider(),
      clock,
      deadline: () => clock.time + 3_000,
    });
    server.script(problem(503, null, 'down', { 'retry-after': '2' }));
    const err = await bounded.getDataset('ds_abc').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, retryable: true });
    // 2.2 s fits in 3 s; a second wait would end past the caller's deadline.
    expect(clock.delays).toEqual([2200]);
    expect(server.requests).toHaveLength(2);

    const over = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: countingTokenProvider(),
      clock,
      deadline: () => clock.time - 1,
    });
    server.script(json(200, DATASET));
    const gone = await over.getDataset('ds_abc').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(SimulacraNetworkError);
    expect(classifyError(gone)).toBe('retryable');
    expect(server.requests).toHaveLength(0);
  });
});
