import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mint,
  pollJob,
  readyDataset,
  readyGeneration,
  startSession,
  uploadForm,
  type Session,
} from '../../support/simulator-helpers.ts';

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('simulator fault injection', () => {
  let s: Session;
  let clock = Date.now();
  let datasetId: string;
  beforeAll(async () => {
    s = await startSession({ now: () => clock });
    datasetId = await readyDataset(s);
  });
  afterAll(() => s.sim.close());

  it('answers N x 503 problems with Retry-After, then the real response; work is not done for faulted calls', async () => {
    s.sim.setFaults('POST /v1/datasets:503x2');
    s.sim.resetCounters();
    const upload = () =>
      s.api('/v1/datasets', {
        method: 'POST',
        headers: { 'idempotency-key': 'fault-ds' },
        body: uploadForm('a,b\n1,x\n2,y\n'),
      });
    for (let i = 0; i < 2; i += 1) {
      const res = await upload();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      expect(await json(res)).toMatchObject({
        type: 'about:blank',
        title: 'Service Unavailable',
        status: 503,
      });
    }
    expect((await upload()).status).toBe(202);
    const counters = s.sim.counters();
    expect(counters.calls['POST /v1/datasets']).toBe(3);
    expect(counters.faults['status:503']).toBe(2);
  });

  it('answers 429 with the configured Retry-After and 500/502/504 as problems', async () => {
    s.sim.setFaults(
      'GET /v1/datasets/*:429x1@retry=7;GET /v1/jobs/*:500x1;GET /healthz:502x1;GET /errors:504x1',
    );
    const limited = await s.api(`/v1/datasets/${datasetId}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await json(limited)).toMatchObject({ code: 'simio_rate_limited' });
    expect((await s.api(`/v1/datasets/${datasetId}`)).status).toBe(200);
    expect((await s.api('/v1/jobs/job_abcdef')).status).toBe(500);
    expect((await fetch(`${s.sim.apiBase}/healthz`)).status).toBe(502);
    expect((await fetch(`${s.sim.apiBase}/errors`)).status).toBe(504);
    expect((await fetch(`${s.sim.apiBase}/errors`)).status).toBe(200);
  });

  it('adds latency (counted, not timed)', async () => {
    s.sim.setFaults('*:latency=5ms');
    s.sim.resetCounters();
    expect((await fetch(`${s.sim.apiBase}/healthz`)).status).toBe(200);
    expect(s.sim.counters().faults.latency).toBe(1);
  });

  it('resets the connection mid-response; the work was done, so a keyed retry replays it', async () => {
    s.sim.setFaults('reset:POST /v1/datasets/*/generations:1');
    s.sim.resetCounters();
    const send = () =>
      s.api(`/v1/datasets/${datasetId}/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'reset-1' },
        body: JSON.stringify({ row_count: 5, output_format: 'csv' }),
      });
    await expect(send().then((r) => r.text())).rejects.toThrow();
    const retry = await send();
    expect(retry.status).toBe(202);
    const counters = s.sim.counters();
    expect(counters.faults.reset).toBe(1);
    expect(counters.idempotentReplays).toBe(1);
    await pollJob(s, String((await json(retry)).job_id));
    expect(s.sim.counters().generationsExecuted).toBe(1);
  });

  it('truncates a body: Content-Length promises more than arrives', async () => {
    const generation = await readyGeneration(s, datasetId, { row_count: 200, output_format: 'csv', seed: 2 });
    s.sim.setFaults('truncate:GET /v1/generations/*/download:1');
    const res = await s.api(String(generation.artifact_url));
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    const again = await s.api(String(generation.artifact_url));
    expect(Number(again.headers.get('content-length'))).toBe((await again.arrayBuffer()).byteLength);
  });

  it('limits requests per second with 429', async () => {
    s.sim.setFaults('GET /healthz:rate=3/s');
    const statuses = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await fetch(`${s.sim.apiBase}/healthz`)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it('shortens token lifetime (token:expire) and download URL lifetime (download:expire)', async () => {
    s.sim.setFaults('token:expire=5s;download:expire=2s');
    const res = await fetch(s.sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: s.sim.demoTenant.clientId,
        client_secret: s.sim.demoTenant.clientSecret,
        audience: s.sim.audience,
      }),
    });
    const token = await json(res);
    expect(token.expires_in).toBe(5);
    const auth = { authorization: `Bearer ${String(token.access_token)}` };
    const generation = await readyGeneration(s, datasetId, { row_count: 5, output_format: 'csv' });
    const url = `${s.sim.apiBase}${String(generation.artifact_url)}`;
    expect((await fetch(url, { headers: auth })).status).toBe(200);
    clock += 3000;
    expect((await fetch(url, { headers: auth })).status).toBe(404);
    clock += 3000;
    expect((await fetch(`${s.sim.apiBase}/v1/datasets`, { headers: auth })).status).toBe(401);
    clock = Date.now();
    s.sim.setFaults(undefined);
    await expect(mint(s.sim, s.sim.demoTenant.clientId, s.sim.demoTenant.clientSecret)).resolves.toMatch(
      /^eyJ/,
    );
  });

  it('fails jobs with the configured error.code', async () => {
    s.sim.setFaults('job:fail=generation_failedx1@type=generation;job:fail=training_failedx1@type=dataset');
    const gen = await json(
      await s.api(`/v1/datasets/${datasetId}/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ row_count: 5, output_format: 'csv' }),
      }),
    );
    expect(await pollJob(s, String(gen.job_id))).toMatchObject({
      status: 'failed',
      error: { code: 'generation_failed' },
    });
    const ds = await json(
      await s.api('/v1/datasets', { method: 'POST', body: uploadForm('a,b\n1,x\n2,y\n3,z\n') }),
    );
    expect(await pollJob(s, String(ds.job_id))).toMatchObject({
      status: 'failed',
      error: { code: 'training_failed' },
    });
    expect((await s.api(`/v1/datasets/${String(ds.dataset_id)}`)).status).toBe(404);
  });

  it('expires datasets mid-run (dataset:expire-after): a running generation ends expired', async () => {
    const slow = await startSession({
      faults: 'dataset:expire-after=1s',
      now: () => clock,
      timings: { generationMs: 200 },
    });
    try {
      const ds = await readyDataset(slow);
      const gen = await json(
        await slow.api(`/v1/datasets/${ds}/generations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ row_count: 5, output_format: 'csv' }),
        }),
      );
      clock += 2000;
      const job = await pollJob(slow, String(gen.job_id));
      expect(job).toMatchObject({ status: 'expired', error: { code: 'simio_dataset_not_found' } });
      expect((await slow.api(`/v1/datasets/${ds}`)).status).toBe(404);
    } finally {
      clock = Date.now();
      await slow.sim.close();
    }
  });
});
