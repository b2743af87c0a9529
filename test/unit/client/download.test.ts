import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACT_URL_EXPIRED,
  ArtifactUrlExpiredError,
  SimulacraClient,
  SimulacraNetworkError,
  classifyError,
} from '../../../src/client/index.ts';
import { countingTokenProvider, fakeClock, problem, startTestServer } from '../../support/client-helpers.ts';
import type { Handler, TestServer } from '../../support/client-helpers.ts';

let api: TestServer;
let storage: TestServer;
beforeAll(async () => {
  api = await startTestServer();
  storage = await startTestServer();
});
afterAll(async () => {
  await api.close();
  await storage.close();
});

function client() {
  const tokens = countingTokenProvider();
  return {
    client: new SimulacraClient({ apiBase: api.origin, tokenProvider: tokens, clock: fakeClock() }),
    tokens,
  };
}

const artifact: Handler = (_req, res) => {
  res.writeHead(200, {
    'content-type': 'application/vnd.apache.parquet',
    'content-length': '9',
    'x-request-id': 'req_dl',
  });
  res.end('PAR1-data');
};
const redirectTo =
  (location: string): Handler =>
  (_req, res) => {
    res.writeHead(302, { location });
    res.end();
  };

describe('downloadArtifact', () => {
  it('streams a managed (API-relative) artifact with the bearer token', async () => {
    const { client: c } = client();
    api.script(artifact);
    const download = await c.downloadArtifact({
      generation_id: 'gen_1',
      artifact_url: '/v1/generations/gen_1/download?expires=9&sig=ab',
    });
    expect(await text(download.body)).toBe('PAR1-data');
    expect(download).toMatchObject({
      contentLength: 9,
      contentType: 'application/vnd.apache.parquet',
      meta: { httpStatus: 200, xRequestId: 'req_dl', attempts: 1 },
    });
    expect(api.requests[0]!.url).toBe('/v1/generations/gen_1/download?expires=9&sig=ab');
    expect(api.requests[0]!.headers.authorization).toBe('Bearer token-1');
  });

  it('never sends the bearer to an absolute cross-origin artifact URL', async () => {
    const { client: c, tokens } = client();
    storage.script(artifact);
    const download = await c.downloadArtifact({
      generation_id: 'gen_1',
      artifact_url: `${storage.origin}/bucket/obj?X-Amz-Signature=abc`,
    });
    expect(await text(download.body)).toBe('PAR1-data');
    expect(storage.requests[0]!.headers.authorization).toBeUndefined();
    expect(tokens.mints).toBe(0);
  });

  it('drops Authorization when a redirect leaves the API origin', async () => {
    const { client: c } = client();
    api.script(redirectTo(`${storage.origin}/blob?sig=1`));
    storage.script(artifact);
    const download = await c.downloadArtifact({
      generation_id: 'gen_1',
      artifact_url: '/v1/generations/gen_1/download?expires=9&sig=ab',
    });
    expect(await text(download.body)).toBe('PAR1-data');
    expect(api.requests[0]!.headers.authorization).toBe('Bearer token-1');
    expect(storage.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('keeps it off even when a later hop comes back to the API origin', async () => {
    const { client: c } = client();
    api.script(redirectTo(`${storage.origin}/hop`), artifact);
    storage.script(redirectTo(`${api.origin}/final`));
    await c.downloadArtifact({
      generation_id: 'gen_1',
      artifact_url: '/v1/generations/gen_1/download?expires=9&sig=ab',
    });
    expect(api.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', undefined]);
  });

  it('turns a 404 into ArtifactUrlExpiredError without putting the URL in the message', async () => {
    const { client: c } = client();
    api.script(problem(404, 'simio_generation_not_found'));
    const err = await c
      .downloadArtifact({
        generation_id: 'gen_1',
        artifact_url: '/v1/generations/gen_1/download?expires=9&sig=secret-sig',
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactUrlExpiredError);
    expect((err as ArtifactUrlExpiredError).code).toBe(ARTIFACT_URL_EXPIRED);
    expect((err as Error).message).toContain('getGeneration');
    expect((err as Error).message).not.toContain('secret-sig');
    expect(classifyError(err)).toBe('retryable');
    expect(api.requests).toHaveLength(1);
  });

  it('treats a storage 403 (expired presigned URL) the same way', async () => {
    const { client: c } = client();
    storage.script((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    });
    await expect(
      c.downloadArtifact({ generation_id: 'gen_1', artifact_url: `${storage.origin}/o?X-Amz-Signature=zz` }),
    ).rejects.toBeInstanceOf(ArtifactUrlExpiredError);
  });

  it('fails a body cut short of its Content-Length with a retryable network error', async () => {
    const { client: c } = client();
    api.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100' });
      res.write('a,b\n1,2\n', () => res.socket?.destroy());
    });
    const download = await c.downloadArtifact({
      generation_id: 'gen_1',
      artifact_url: '/v1/generations/gen_1/download?expires=9&sig=cut-sig',
    });
    const err = await text(download.body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraNetworkError);
    expect((err as Error).message).not.toContain('cut-sig');
    expect(classifyError(err)).toBe('retryable');
  });

  it('refuses a generation without an artifact URL', async () => {
    const { client: c } = client();
    await expect(c.downloadArtifact({ generation_id: 'gen_1', artifact_url: null })).rejects.toMatchObject({
      field: 'artifact_url',
    });
  });
});
