/**
 * Contract test: every response the simulator sends during a quickstart-like flow (plus the
 * documented error cases) is validated against spec/simulacra-openapi.patched.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractValidator, type RecordedExchange } from '../../support/contract-validator.ts';
import {
  pollJob,
  seedCsv,
  sessionFor,
  startSession,
  uploadForm,
  type Session,
} from '../../support/simulator-helpers.ts';

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.clone().json()) as Record<string, unknown>;
}

function post(
  s: Session,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return s.api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('simulator responses conform to the patched contract', () => {
  const recorded: Array<Promise<RecordedExchange>> = [];
  const realFetch = globalThis.fetch;
  let s: Session;

  beforeAll(async () => {
    s = await startSession({ nullStyle: 'null', limits: { maxUploadBytes: 32 * 1024 } });
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === s.sim.apiBase && url.pathname !== '/oauth/token') {
        const copy = res.clone();
        recorded.push(
          copy.text().then((text) => {
            const contentType = copy.headers.get('content-type');
            const isJson = /json/.test(contentType ?? '');
            return {
              method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
              path: url.pathname,
              status: copy.status,
              contentType,
              xRequestId: copy.headers.get('x-request-id'),
              body: isJson && text ? (JSON.parse(text) as unknown) : text,
            };
          }),
        );
      }
      return res;
    };
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await s.sim.close();
  });

  it('covers the quickstart and the documented errors without a violation', async () => {
    const base = s.sim.apiBase;
    // Service routes.
    await fetch(`${base}/healthz`);
    await fetch(`${base}/openapi.json`);
    await fetch(`${base}/errors`);
    await fetch(`${base}/errors/simio_quota_exhausted`);
    await fetch(`${base}/errors/nope`);
    // Onboarding.
    const signupInit = (body: unknown) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const signup = await json(
      await fetch(`${base}/v1/signup`, signupInit({ company_name: 'Acme', contact_email: 'c@acme.example' })),
    );
    await fetch(`${base}/v1/signup`, signupInit({ company_name: 'Acme', contact_email: 'c@acme.example' }));
    await fetch(`${base}/v1/signup`, signupInit({ company_name: 'Acme', contact_email: 'bad' }));
    await fetch(`${base}/v1/signup/${String(signup.request_id)}`);
    s.sim.operator.approveSignup(String(signup.request_id));
    const approved = await json(await fetch(`${base}/v1/signup/${String(signup.request_id)}`));
    await fetch(`${base}/v1/signup/req_missing`);
    const claim = await json(
      await fetch(
        `${base}/v1/credential-claims`,
        signupInit({ claim_token: approved.credential_claim_token }),
      ),
    );
    await fetch(`${base}/v1/credential-claims`, signupInit({ claim_token: approved.credential_claim_token }));
    const acme = sessionFor(s.sim, String(claim.client_id), String(claim.client_secret));
    // Credentials.
    const rotation = await acme.api('/v1/credential-rotations', {
      method: 'POST',
      headers: { 'idempotency-key': 'rot-1' },
    });
    expect(rotation.status).toBe(201);
    await acme.api('/v1/credential-rotations', { method: 'POST', headers: { 'idempotency-key': 'rot-1' } });
    await acme.api('/v1/credential-rotations', { method: 'POST', headers: { 'idempotency-key': 'rot-2' } });
    await acme.api('/v1/credential-rotations', { method: 'POST', headers: { 'idempotency-key': 'rot-3' } });
    expect(
      (
        await acme.api('/v1/credential-rotations', {
          method: 'POST',
          headers: { 'idempotency-key': 'rot-4' },
        })
      ).status,
    ).toBe(429);
    const request = await json(await post(acme, '/v1/credential-rotation-requests', { reason: 'audit' }));
    await acme.api(`/v1/credential-rotation-requests/${String(request.rotation_request_id)}`);
    s.sim.operator.completeRotationRequest(String(request.rotation_request_id));
    await acme.api(`/v1/credential-rotation-requests/${String(request.rotation_request_id)}`);
    await acme.api('/v1/credential-rotation-requests/rot_missing');
    // Datasets.
    await fetch(`${base}/v1/datasets`);
    const upload = await s.api('/v1/datasets', {
      method: 'POST',
      headers: { 'idempotency-key': 'ds-1' },
      body: uploadForm(seedCsv(), { display_name: 'Quickstart seed' }),
    });
    const created = await json(upload);
    await s.api('/v1/datasets', {
      method: 'POST',
      headers: { 'idempotency-key': 'ds-1' },
      body: uploadForm(seedCsv(), { display_name: 'Quickstart seed' }),
    });
    await s.api('/v1/datasets', {
      method: 'POST',
      headers: { 'idempotency-key': 'ds-1' },
      body: uploadForm(seedCsv(10)),
    });
    await s.api('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await s.api('/v1/datasets', { method: 'POST', body: uploadForm('x'.repeat(64 * 1024)) });
    await s.api('/v1/datasets', { method: 'POST', body: uploadForm('x', {}, 'seed.xlsx') });
    await pollJob(s, String(created.job_id));
    const datasetId = String(created.dataset_id);
    await s.api('/v1/datasets', { method: 'POST', body: uploadForm(seedCsv(50, 1), { wait_seconds: '10' }) });
    await s.api(`/v1/datasets/${datasetId}`);
    await s.api(`/v1/datasets/${datasetId}/schema`);
    await s.api(`/v1/datasets/${datasetId}/extend`, { method: 'POST' });
    await s.api('/v1/datasets?limit=1');
    await s.api('/v1/datasets?limit=0');
    await s.api('/v1/datasets/ds_missing');
    // Generations.
    const accepted = await json(
      await post(
        s,
        `/v1/datasets/${datasetId}/generations`,
        { row_count: 40, output_format: 'csv', seed: 1 },
        { 'idempotency-key': 'g-1' },
      ),
    );
    await post(
      s,
      `/v1/datasets/${datasetId}/generations`,
      { row_count: 41, output_format: 'csv', seed: 1 },
      { 'idempotency-key': 'g-1' },
    );
    const job = await pollJob(s, String(accepted.job_id));
    expect(job.status).toBe('completed');
    const generation = await json(await s.api(`/v1/generations/${String(accepted.generation_id)}`));
    await s.api(String(generation.artifact_url));
    for (const format of ['parquet', 'arrow']) {
      const sync = await json(
        await post(s, `/v1/datasets/${datasetId}/generations`, {
          row_count: 10,
          output_format: format,
          wait_seconds: 10,
        }),
      );
      const g = await json(await s.api(`/v1/generations/${String(sync.generation_id)}`));
      await s.api(String(g.artifact_url));
    }
    const tight = {
      numeric: { age: { min: 18, max: 18 } },
      categorical: { segment: { Value: 0.5, Premium: 0.5 } },
    };
    expect(
      (
        await post(s, `/v1/datasets/${datasetId}/generations`, {
          row_count: 100,
          output_format: 'csv',
          wait_seconds: 10,
          conditions: tight,
        })
      ).status,
    ).toBe(207);
    const failing = await json(
      await post(s, `/v1/datasets/${datasetId}/generations`, {
        row_count: 5,
        output_format: 'csv',
        conditions: { numeric: { age: { min: 18, max: 18 } }, categorical: { segment: { Premium: 1 } } },
      }),
    );
    await pollJob(s, String(failing.job_id));
    await post(s, `/v1/datasets/${datasetId}/generations`, {
      row_count: 5,
      output_format: 'csv',
      conditions: { numeric: { nope: { min: 1, max: 2 } } },
    });
    await post(s, `/v1/datasets/${datasetId}/generations`, { row_count: 0, output_format: 'csv' });
    await post(s, `/v1/datasets/${datasetId}/generations`, { row_count: 2_000_000, output_format: 'csv' });
    s.sim.operator.setTenantLimits(String(s.sim.operator.tenantOf(s.sim.demoTenant.clientId)), {
      rowQuota: 1,
    });
    await post(s, `/v1/datasets/${datasetId}/generations`, { row_count: 500, output_format: 'csv' });
    await s.api(`/v1/datasets/${datasetId}/generations?limit=2`);
    await s.api('/v1/generations/gen_missing');
    await s.api(`/v1/generations/${String(accepted.generation_id)}/download?expires=1&sig=00`);
    await fetch(`${base}${String(generation.artifact_url)}`);
    await s.api('/v1/jobs/job_missing');
    // Transient faults are documented responses too.
    s.sim.setFaults(
      'GET /v1/jobs/*:429x1;GET /v1/jobs/*:503x1;GET /v1/jobs/*:502x1;GET /v1/jobs/*:504x1;GET /v1/jobs/*:500x1',
    );
    for (let i = 0; i < 5; i += 1) await s.api(`/v1/jobs/${String(accepted.job_id)}`);
    s.sim.setFaults(undefined);
    // Delete last.
    await s.api(`/v1/datasets/${datasetId}`, { method: 'DELETE' });
    await s.api(`/v1/datasets/${datasetId}`, { method: 'DELETE' });

    const exchanges = await Promise.all(recorded);
    const statuses = new Set(exchanges.map((e) => e.status));
    for (const status of [
      200, 201, 202, 204, 207, 400, 401, 402, 404, 409, 413, 415, 429, 500, 502, 503, 504,
    ]) {
      expect(statuses.has(status), `status ${status} exercised`).toBe(true);
    }
    const validator = new ContractValidator();
    const violations = exchanges.flatMap((e) => validator.violations(e));
    expect(violations).toEqual([]);
    expect(exchanges.length).toBeGreaterThan(60);
  });

  it('flags a response that breaks the contract (the validator is not vacuous)', () => {
    const validator = new ContractValidator();
    expect(
      validator.violations({
        method: 'GET',
        path: '/v1/jobs/job_abcd',
        status: 200,
        contentType: 'application/json',
        xRequestId: 'req_1',
        body: { job_id: 1 },
      }),
    ).not.toEqual([]);
    expect(
      validator.violations({
        method: 'GET',
        path: '/v1/jobs/job_abcd',
        status: 418,
        contentType: 'application/json',
        xRequestId: 'req_1',
        body: {},
      }),
    ).toEqual(['GET /v1/jobs/job_abcd -> 418: status not documented']);
    const completedJob = {
      job_id: 'job_abcd',
      job_type: 'generation_create',
      status: 'completed',
      request_id: 'req_1',
      created_at: '2026-05-01T17:30:00Z',
      completed_at: {},
    };
    expect(
      validator.violations({
        method: 'GET',
        path: '/v1/jobs/job_abcd',
        status: 200,
        contentType: 'application/json',
        xRequestId: null,
        body: completedJob,
      }).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
