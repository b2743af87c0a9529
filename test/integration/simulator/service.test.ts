import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/index.ts';

describe('simulator service routes', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('serves /healthz, the vendored /openapi.json and landing pages', async () => {
    const health = await fetch(`${sim.apiBase}/healthz`);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      request_id: health.headers.get('x-request-id'),
    });
    const spec = await (await fetch(`${sim.apiBase}/openapi.json`)).text();
    expect(spec).toBe(readFileSync(new URL('../../../spec/simulacra-openapi.json', import.meta.url), 'utf8'));
    const landing = await fetch(`${sim.apiBase}/`);
    expect(landing.headers.get('content-type')).toContain('text/html');
  });

  it('serves the error catalog with cause, fix and retryability for every documented code', async () => {
    const index = (await (await fetch(`${sim.apiBase}/errors`)).json()) as {
      errors: Array<Record<string, unknown>>;
    };
    const codes = index.errors.map((e) => e.code);
    expect(codes).toEqual(
      expect.arrayContaining(['simio_idempotency_conflict', 'simio_quota_exhausted', 'simio_file_too_large']),
    );
    const entry = await (await fetch(`${sim.apiBase}/errors/simio_idempotency_conflict`)).json();
    expect(entry).toEqual({
      code: 'simio_idempotency_conflict',
      title: 'Conflict',
      status: 409,
      retryable: true,
      cause: expect.any(String),
      fix: expect.any(String),
    });
    const unknown = await fetch(`${sim.apiBase}/errors/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'about:blank', status: 404 });
  });

  it('answers unknown routes 404 and wrong methods 405 as problems, and counts calls per route', async () => {
    sim.resetCounters();
    const missing = await fetch(`${sim.apiBase}/v2/anything`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await fetch(`${sim.apiBase}/v1/jobs/job_abcd`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    await fetch(`${sim.apiBase}/v1/jobs/job_abcd`);
    await fetch(`${sim.apiBase}/v1/jobs/job_efgh`);
    expect(sim.counters().calls).toEqual({
      'GET <unmatched>': 1,
      'DELETE /v1/jobs/{job_id}': 1,
      'GET /v1/jobs/{job_id}': 2,
    });
  });
});
