/**
 * The quickstart flow through `prism proxy --errors`: Prism validates every request and response
 * against the patched contract and answers with an error (or an `sl-violations` header) on any
 * violation. Also shows Prism does flag the `{}`-for-null style, which the contract types as null.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../../simulator/index.ts';
import {
  pollJob,
  seedCsv,
  sessionFor,
  startSession,
  uploadForm,
  type Session,
} from '../../support/simulator-helpers.ts';

const ROOT = new URL('../../../', import.meta.url);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPrism(
  upstream: string,
): Promise<{ base: string; child: ChildProcess; log: () => string }> {
  const port = await freePort();
  const child = spawn(
    'node_modules/.bin/prism',
    [
      'proxy',
      '--errors',
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      'spec/simulacra-openapi.patched.json',
      upstream,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Prism is listening')) {
    if (child.exitCode !== null) throw new Error(`prism exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`prism did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base: `http://127.0.0.1:${port}`, child, log: () => output };
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A session that talks to `base` (the proxy) but mints tokens at the simulator. */
function proxiedSession(sim: RunningSimulator, base: string): Session {
  return sessionFor({ ...sim, apiBase: base }, sim.demoTenant.clientId, sim.demoTenant.clientSecret);
}

describe('simulator behind prism proxy --errors', () => {
  let s: Session;
  let quirky: Session;
  let prism: Awaited<ReturnType<typeof startPrism>>;
  let quirkyPrism: Awaited<ReturnType<typeof startPrism>>;
  const responses: Response[] = [];
  beforeAll(async () => {
    s = await startSession({ nullStyle: 'null' });
    quirky = await startSession({ nullStyle: 'empty-object' });
    // Prism takes seconds to start: start both proxies at once.
    [prism, quirkyPrism] = await Promise.all([startPrism(s.sim.apiBase), startPrism(quirky.sim.apiBase)]);
  });
  afterAll(async () => {
    await Promise.all([stop(prism?.child), stop(quirkyPrism?.child)]);
    await Promise.all([s?.sim.close(), quirky?.sim.close()]);
  });

  it('passes the quickstart flow with no violation', async () => {
    const p = proxiedSession(s.sim, prism.base);
    const track = async (res: Promise<Response>) => {
      const r = await res;
      responses.push(r.clone());
      return r;
    };
    const json = async (res: Promise<Response>) =>
      (await (await track(res)).json()) as Record<string, unknown>;
    await track(fetch(`${prism.base}/healthz`));
    await track(fetch(`${prism.base}/errors/simio_dataset_not_found`));
    const upload = await json(
      p.api('/v1/datasets', {
        method: 'POST',
        headers: { 'idempotency-key': 'prism-ds' },
        body: uploadForm(seedCsv()),
      }),
    );
    expect(upload.status).toBe('processing');
    await track(p.api(`/v1/jobs/${String(upload.job_id)}`));
    await pollJob(s, String(upload.job_id));
    const datasetId = String(upload.dataset_id);
    await track(p.api(`/v1/datasets/${datasetId}`));
    await track(p.api(`/v1/datasets/${datasetId}/schema`));
    await track(p.api('/v1/datasets?limit=5'));
    const generation = await json(
      p.api(`/v1/datasets/${datasetId}/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'prism-gen' },
        body: JSON.stringify({
          row_count: 50,
          output_format: 'csv',
          seed: 20260501,
          conditions: {
            categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
            numeric: { age: { min: 25, max: 44 } },
          },
        }),
      }),
    );
    const job = await pollJob(s, String(generation.job_id));
    expect(job.status).toBe('completed');
    await track(p.api(`/v1/jobs/${String(generation.job_id)}`));
    const resource = await json(p.api(`/v1/generations/${String(generation.generation_id)}`));
    expect(resource.status).toBe('ready');
    const artifact = await track(p.api(String(resource.artifact_url)));
    expect(artifact.status).toBe(200);
    await track(p.api(`/v1/datasets/${datasetId}/generations`));
    await track(p.api(`/v1/datasets/${datasetId}/extend`, { method: 'POST' }));
    await track(p.api('/v1/generations/gen_missing'));
    await track(p.api(`/v1/datasets/${datasetId}`, { method: 'DELETE' }));

    for (const res of responses) {
      expect(res.headers.get('sl-violations'), `${res.url} -> ${res.status}`).toBeNull();
      const text = await res.text();
      expect(text, `${res.url}`).not.toContain('stoplight.io/prism/errors');
      expect(res.headers.get('x-request-id'), res.url).toMatch(/^req_/);
    }
  });

  it('reports a violation for the {}-for-null style', async () => {
    const p = proxiedSession(quirky.sim, quirkyPrism.base);
    const upload = (await (
      await p.api('/v1/datasets', { method: 'POST', body: uploadForm(seedCsv(30)) })
    ).json()) as { job_id: string };
    const res = await p.api(`/v1/jobs/${upload.job_id}`);
    const flagged = res.headers.get('sl-violations') !== null || res.status >= 500;
    expect(flagged).toBe(true);
  });
});
