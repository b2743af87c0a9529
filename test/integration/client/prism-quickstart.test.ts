/**
 * The client runs the whole quickstart flow (token, create dataset, poll job, schema, generation,
 * poll, get generation, download) against `prism mock` of the PATCHED spec. Prism answers with
 * the spec's examples and flags any request that violates the spec in `sl-violations`, so this
 * also proves the client's requests conform to the patched contract. The token endpoint is not
 * part of the spec; a tiny local one stands in for Auth0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulacraClient, createTokenProvider } from '../../../src/client/index.ts';
import type { FetchLike, Job, SimulacraApi } from '../../../src/client/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitForPrism(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited early:\n${output()}`);
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`prism did not start within 90 s:\n${output()}`);
}

let prism: ChildProcess;
let prismBase: string;
let tokenServer: Server;
let tokenUrl: string;
let mints = 0;
const violations: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  prismBase = `http://127.0.0.1:${port}`;
  let log = '';
  prism = spawn(
    `${ROOT}node_modules/.bin/prism`,
    ['mock', '-h', '127.0.0.1', '-p', String(port), '--dynamic=false', 'spec/simulacra-openapi.patched.json'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prism.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  prism.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));

  tokenServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const grant = JSON.parse(body) as Record<string, string>;
      if (
        req.url !== '/oauth/token' ||
        grant.grant_type !== 'client_credentials' ||
        grant.client_secret !== 'quickstart-secret'
      ) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'access_denied' }));
        return;
      }
      mints += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.sig${mints}`,
          expires_in: 86_400,
          token_type: 'Bearer',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/oauth/token`;

  await waitForPrism(prismBase, prism, () => log);
});

afterAll(async () => {
  prism?.kill('SIGTERM');
  await new Promise<void>((resolve) => tokenServer?.close(() => resolve()));
});

/**
 * Steers Prism's static responses with `Prefer` headers the way a real run unfolds: creates answer
 * 202 (async), the first poll of each job says running, the next completed; getGeneration uses the
 * managed-tenant example (API-relative artifact URL). Records Prism's spec violations.
 */
function steeringFetch(): FetchLike & { authorizations: Array<string | null> } {
  const polls = new Map<string, number>();
  const authorizations: Array<string | null> = [];
  const wrapped = async (input: URL | string, init: RequestInit) => {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    authorizations.push(headers.get('authorization'));
    const method = init.method ?? 'GET';
    if (method === 'POST' && (url.pathname === '/v1/datasets' || url.pathname.endsWith('/generations'))) {
      headers.set('prefer', 'code=202');
    } else if (url.pathname.startsWith('/v1/jobs/')) {
      const n = polls.get(url.pathname) ?? 0;
      polls.set(url.pathname, n + 1);
      headers.set('prefer', n === 0 ? 'example=running-train' : 'example=completed-generation');
    } else if (/^\/v1\/generations\/[^/]+$/.test(url.pathname)) {
      headers.set('prefer', 'example=managed');
    }
    const response = await fetch(input, { ...init, headers });
    const violation = response.headers.get('sl-violations');
    if (violation) violations.push(`${method} ${url.pathname}: ${violation}`);
    return response;
  };
  return Object.assign(wrapped, { authorizations });
}

async function pollJob(api: SimulacraApi, jobId: string): Promise<Job> {
  for (let i = 0; i < 10; i += 1) {
    const job = await api.getJob(jobId);
    if (!['queued', 'running'].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('job did not finish');
}

describe('quickstart flow against prism mock of the patched spec', () => {
  it('token → dataset → job → schema → generation → job → generation → download', async () => {
    const steering = steeringFetch();
    const tokenProvider = createTokenProvider({
      credentials: {
        client_id: 'acme_research_m2m_8f2a1c',
        client_secret: 'quickstart-secret',
        token_url: tokenUrl,
        audience: 'https://api.simulacra-data.com',
        api_base: prismBase,
      },
    });
    const api = new SimulacraClient({
      apiBase: prismBase,
      tokenProvider,
      fetch: steering,
      retry: { baseDelayMs: 10 },
    });

    const csv =
      'age,segment,channel,region,purchase_intent\n34,Premium,Online,West,81\n52,Value,Retail,South,40\n';
    const created = await api.createDataset({
      idempotencyKey: 'ds-quickstart-0001',
      displayName: 'Quickstart seed',
      autoClean: true,
      waitSeconds: 0,
      seed: {
        filename: 'seed.csv',
        contentType: 'text/csv',
        size: Buffer.byteLength(csv),
        open: () => Readable.from([Buffer.from(csv)]),
      },
    });
    expect(created).toMatchObject({ status: 'processing', meta: { httpStatus: 202, attempts: 1 } });
    expect(created.meta.xRequestId).toMatch(/^req_/);
    expect(created.job_id).toMatch(/^job_/);

    const datasetJob = await pollJob(api, created.job_id!);
    expect(datasetJob.status).toBe('completed');
    expect(datasetJob.error).toBeNull();
    const datasetId = datasetJob.dataset_id ?? created.dataset_id;

    const schema = await api.getDatasetSchema(datasetId);
    const segment = schema.schema.find((column) => column.name === 'segment');
    const age = schema.schema.find((column) => column.name === 'age');
    expect(segment?.levels).toEqual(['Value', 'Mainstream', 'Premium']);

    const generation = await api.createGeneration({
      datasetId,
      idempotencyKey: 'gen-quickstart-0001',
      row_count: 1000,
      output_format: 'parquet',
      seed: 20260501,
      conditions: {
        categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
        numeric: { age: { min: age?.min ?? 18, max: 44 } },
      },
    });
    expect(generation).toMatchObject({ status: 'processing', meta: { httpStatus: 202 } });

    const generationJob = await pollJob(api, generation.job_id!);
    expect(generationJob).toMatchObject({ status: 'completed', job_type: 'generation_create' });
    const generationId = generationJob.generation_id ?? generation.generation_id;

    const ready = await api.getGeneration(generationId);
    expect(ready.status).toBe('ready');
    expect(ready.artifact_encryption?.scheme).toBe('managed');
    expect(ready.artifact_url).toMatch(/^\/v1\/generations\/.+\/download\?expires=/);

    const download = await api.downloadArtifact(ready);
    expect(download.meta.httpStatus).toBe(200);
    expect((await text(download.body)).length).toBeGreaterThan(0);

    // One token for the whole flow, sent on every request (all go to the API origin).
    expect(mints).toBe(1);
    expect(steering.authorizations.every((value) => value?.startsWith('Bearer eyJ'))).toBe(true);
    expect(violations).toEqual([]);
  });

  it('gets 401 from Prism without a token on a bearer route and classifies it terminal after one re-mint', async () => {
    const api = new SimulacraClient({
      apiBase: prismBase,
      tokenProvider: { getToken: () => Promise.resolve(''), invalidate: () => undefined },
    });
    await expect(api.getDataset('ds_2YH3Kxq8wABC123def456')).rejects.toMatchObject({
      status: 401,
      retryable: false,
    });
    await expect(api.getHealth()).resolves.toMatchObject({ status: expect.any(String) });
  });
});
