/**
 * The client's authentication (one re-mint after a 401) and its operations' particulars: gone
 * answers, replayed rotations, open routes, input checks before sending, Retry-After hand-back and
 * pacing turns. Retries and deadlines are in client-retry.test.ts.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SimulacraApiError,
  SimulacraClient,
  VendorPacingError,
  classifyError,
} from '../../../src/client/index.ts';
import {
  DATASET,
  GENERATION_202,
  GENERATION_INPUT as generationInput,
  countingTokenProvider,
  fakeClock,
  json,
  problem,
  scriptedClient,
  startTestServer,
} from '../../support/client-helpers.ts';
import type { TestServer } from '../../support/client-helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const client = () => scriptedClient(server);

describe('SimulacraClient authentication', () => {
  it('re-mints exactly once after a 401, then succeeds', async () => {
    const { api, tokens, clock } = client();
    server.script(problem(401, null, 'Invalid credentials.'), json(200, DATASET));
    const dataset = await api.getDataset('ds_abc');
    expect(dataset.dataset_id).toBe('ds_abc');
    expect(tokens.mints).toBe(2);
    expect(tokens.invalidated).toEqual(['token-1']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(clock.delays).toEqual([]);
  });

  it('fails terminally on a second 401 without leaking the token', async () => {
    const { api, tokens } = client();
    server.script(problem(401, null, 'Invalid credentials.'));
    const err = await api.getDataset('ds_abc').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraApiError);
    expect((err as SimulacraApiError).status).toBe(401);
    expect(classifyError(err)).toBe('terminal');
    expect(tokens.mints).toBe(2);
    expect(server.requests).toHaveLength(2);
    expect(JSON.stringify((err as SimulacraApiError).toJSON())).not.toContain('token-');
    expect((err as Error).message).not.toContain('token-');
  });

  it('re-opens the upload stream for the attempt after a 401', async () => {
    const { api } = client();
    let opened = 0;
    server.script(problem(401, null), json(200, { ...DATASET, expires_at: '2026-05-02T17:30:00Z' }));
    await api.createDataset({
      idempotencyKey: 'ds-1',
      seed: {
        filename: 'a.csv',
        contentType: 'text/csv',
        open: () => ((opened += 1), Readable.from([Buffer.from('a\n1\n')])),
      },
    });
    expect(opened).toBe(2);
    // unknown size: chunked, no Content-Length
    expect(server.requests[0]!.headers['content-length']).toBeUndefined();
  });
});

describe('SimulacraClient operations', () => {
  it('treats 204 and 404 from deleteDataset as gone', async () => {
    const { api } = client();
    server.script((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(api.deleteDataset('ds_abc')).resolves.toBeUndefined();
    server.script(problem(404, 'simio_dataset_not_found'));
    await expect(api.deleteDataset('ds_abc')).resolves.toBeUndefined();
    expect(server.requests[0]!.method).toBe('DELETE');
  });

  it('flags a replayed rotation (200) and a fresh one (201)', async () => {
    const { api } = client();
    const body = { rotation_request_id: 'rot_1', client_id: 'c', credential_claim_token: 'cred_x' };
    server.script(json(201, body), json(200, body));
    expect((await api.rotateCredentials({ idempotencyKey: 'rot-key' })).replayed).toBe(false);
    expect((await api.rotateCredentials({ idempotencyKey: 'rot-key' })).replayed).toBe(true);
    expect(server.requests.every((r) => r.headers['idempotency-key'] === 'rot-key')).toBe(true);
  });

  it('sends pagination and open routes without a bearer', async () => {
    const { api, tokens } = client();
    server.script(json(200, { datasets: [], limit: 10, next_cursor: {}, request_id: 'req_1' }));
    const page = await api.listDatasets({ limit: 10, cursor: 'opaque+/=' });
    expect(page).toMatchObject({ items: [], next_cursor: null, limit: 10 });
    expect(server.requests[0]!.url).toBe('/v1/datasets?limit=10&cursor=opaque%2B%2F%3D');
    server.script(json(200, { request_id: 'req_abc', status: 'pending' }));
    await api.getSignupRequest('req_abc');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(tokens.mints).toBe(1);
  });

  it('rejects malformed ids and keys before sending anything', async () => {
    const { api } = client();
    server.script(json(200, DATASET));
    await expect(api.getDataset('ds/../x')).rejects.toMatchObject({
      name: 'SimulacraInputError',
      field: 'dataset_id',
    });
    await expect(api.getJob('jb_1')).rejects.toMatchObject({ field: 'job_id' });
    await expect(
      api.createGeneration({ ...generationInput, idempotencyKey: 'bad key' }),
    ).rejects.toMatchObject({
      field: 'idempotencyKey',
    });
    await expect(
      api.createGeneration({ ...generationInput, conditions: { categorical: { s: { a: 0.7, b: 0.7 } } } }),
    ).rejects.toMatchObject({ field: 'conditions.categorical.s' });
    await expect(api.listDatasets({ limit: 101 })).rejects.toMatchObject({ field: 'limit' });
    expect(server.requests).toHaveLength(0);
  });

  it('hands a Retry-After longer than maxRetryAfterMs straight back instead of sleeping through it', async () => {
    const tokens = countingTokenProvider();
    const clock = fakeClock();
    const api = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: tokens,
      clock,
      retry: { maxRetryAfterMs: 2_000 },
    });
    server.script(problem(429, null, 'slow down', { 'retry-after': '90' }), json(202, GENERATION_202));
    const err = await api.createGeneration(generationInput).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, retryAfterSeconds: 90 });
    expect(clock.delays).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('takes a pacing turn before every attempt and sends nothing when pacing refuses', async () => {
    const clock = fakeClock();
    const turns: string[] = [];
    let refuse = false;
    const api = new SimulacraClient({
      apiBase: server.origin,
      tokenProvider: countingTokenProvider(),
      clock,
      pacer: {
        acquire: (operation) => {
          turns.push(operation);
          return refuse ? Promise.reject(new VendorPacingError(operation, 7)) : Promise.resolve();
        },
      },
    });
    server.script(problem(503, null), json(200, DATASET));
    await api.getDataset('ds_abc');
    expect(turns).toEqual(['getDataset', 'getDataset']);
    refuse = true;
    const before = server.requests.length;
    await expect(api.getDataset('ds_abc')).rejects.toMatchObject({
      name: 'VendorPacingError',
      retryAfterSeconds: 7,
    });
    expect(server.requests.length).toBe(before);
  });
});
