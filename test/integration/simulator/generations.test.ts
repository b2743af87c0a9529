import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pollJob,
  readyDataset,
  readyGeneration,
  seedCsv,
  sessionFor,
  startSession,
  type Session,
} from '../../support/simulator-helpers.ts';

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function generate(s: Session, datasetId: string, body: unknown, key?: string): Promise<Response> {
  return s.api(`/v1/datasets/${datasetId}/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
}

async function download(s: Session, generation: Record<string, unknown>): Promise<Response> {
  return s.api(String(generation.artifact_url));
}

describe('simulator generations', () => {
  let s: Session;
  let datasetId: string;
  let clock = Date.now();
  beforeAll(async () => {
    s = await startSession({ now: () => clock });
    datasetId = await readyDataset(s);
  });
  afterAll(() => s.sim.close());

  it('runs async: 202 + job -> completed with ids -> ready generation with a managed relay URL', async () => {
    const res = await generate(s, datasetId, { row_count: 120, output_format: 'csv', seed: 1 });
    expect(res.status).toBe(202);
    const accepted = await json(res);
    expect(accepted).toEqual({
      generation_id: expect.stringMatching(/^gen_/),
      dataset_id: datasetId,
      status: 'processing',
      request_id: res.headers.get('x-request-id'),
      job_id: expect.stringMatching(/^job_/),
    });
    const job = await pollJob(s, String(accepted.job_id));
    expect(job).toMatchObject({
      job_type: 'generation_create',
      status: 'completed',
      generation_id: accepted.generation_id,
      dataset_id: datasetId,
      started_at: expect.any(String),
      completed_at: expect.any(String),
    });
    const generation = await json(await s.api(`/v1/generations/${String(accepted.generation_id)}`));
    expect(generation).toMatchObject({
      status: 'ready',
      output_format: 'csv',
      rows_requested: 120,
      rows_generated: 120,
      artifact_encryption: { scheme: 'managed' },
    });
    expect(String(generation.artifact_url)).toMatch(
      /^\/v1\/generations\/gen_\w+\/download\?expires=\d+&sig=[0-9a-f]{64}$/,
    );
    const file = await download(s, generation);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv');
    const lines = (await file.text()).trim().split('\n');
    expect(lines[0]).toBe('age,segment,channel,region,purchase.intent');
    expect(lines).toHaveLength(121);
  });

  it('answers 200 within wait_seconds, encodes parquet and arrow, and is deterministic for a seed', async () => {
    const sync = await generate(s, datasetId, {
      row_count: 30,
      output_format: 'parquet',
      seed: 99,
      wait_seconds: 10,
    });
    expect(sync.status).toBe(200);
    const body = await json(sync);
    expect(body).toMatchObject({
      status: 'ready',
      rows_requested: 30,
      rows_generated: 30,
      expires_at: expect.any(String),
    });
    const parquet = await readyGeneration(s, datasetId, {
      row_count: 30,
      output_format: 'parquet',
      seed: 99,
    });
    const bytes = Buffer.from(await (await download(s, parquet)).arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const arrow = await readyGeneration(s, datasetId, { row_count: 30, output_format: 'arrow', seed: 99 });
    const arrowRes = await download(s, arrow);
    expect(arrowRes.headers.get('content-type')).toBe('application/vnd.apache.arrow.file');
    expect(
      Buffer.from(await arrowRes.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('ARROW1');

    const a = await readyGeneration(s, datasetId, { row_count: 40, output_format: 'csv', seed: 5 });
    const b = await readyGeneration(s, datasetId, { row_count: 40, output_format: 'csv', seed: 5 });
    const c = await readyGeneration(s, datasetId, { row_count: 40, output_format: 'csv', seed: 6 });
    const [ta, tb, tc] = await Promise.all([a, b, c].map(async (g) => (await download(s, g)).text()));
    expect(ta).toBe(tb);
    expect(ta).not.toBe(tc);
  });

  it('returns 207 partial for a tight scenario and fails the job when nothing is feasible', async () => {
    // In the seed, every 18-year-old is in segment "Value": Premium is infeasible at age 18.
    const tight = {
      numeric: { age: { min: 18, max: 18 } },
      categorical: { segment: { Value: 0.5, Premium: 0.5 } },
    };
    const partial = await generate(s, datasetId, {
      row_count: 100,
      output_format: 'csv',
      seed: 3,
      wait_seconds: 10,
      conditions: tight,
    });
    expect(partial.status).toBe(207);
    const body = await json(partial);
    expect(body.status).toBe('partial');
    expect(Number(body.rows_generated)).toBeLessThan(100);
    expect(Number(body.rows_generated)).toBeGreaterThan(0);
    const fetched = await json(await s.api(`/v1/generations/${String(body.generation_id)}`));
    expect(fetched).toMatchObject({ status: 'partial', rows_generated: body.rows_generated });

    const before = s.sim.counters();
    const none = { numeric: { age: { min: 18, max: 18 } }, categorical: { segment: { Premium: 1 } } };
    const failed = await generate(s, datasetId, { row_count: 10, output_format: 'csv', conditions: none });
    const accepted = await json(failed);
    const job = await pollJob(s, String(accepted.job_id));
    expect(job).toMatchObject({ status: 'failed', error: { code: 'generation_failed' } });
    expect((await s.api(`/v1/generations/${String(accepted.generation_id)}`)).status).toBe(404);
    const after = s.sim.counters();
    expect(after.rowsReserved - before.rowsReserved).toBe(10);
    expect(after.rowsCommitted - before.rowsCommitted).toBe(0);
  });

  it('validates requests and conditions with the documented codes', async () => {
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ row_count: 0, output_format: 'csv' }, 400, 'simio_invalid_field', /row_count/],
      [{ row_count: 5, output_format: 'xlsx' }, 400, 'simio_invalid_field', /output_format/],
      [{ row_count: 5, output_format: 'csv', wait_seconds: 61 }, 400, 'simio_invalid_field', /wait_seconds/],
      [{ row_count: 5, output_format: 'csv', seed: -1 }, 400, 'simio_invalid_field', /seed/],
      [
        {
          row_count: 5,
          output_format: 'csv',
          conditions: { numeric: { purchase_intent: { min: 1, max: 2 } } },
        },
        400,
        'simio_unknown_condition_column',
        /purchase_intent/,
      ],
      [
        { row_count: 5, output_format: 'csv', conditions: { categorical: { segment: { Luxury: 1 } } } },
        400,
        'simio_unknown_condition_column',
        /Luxury/,
      ],
      [
        {
          row_count: 5,
          output_format: 'csv',
          conditions: { categorical: { segment: { Value: 0.7, Premium: 0.7 } } },
        },
        400,
        'simio_invalid_field',
        /sum/,
      ],
      [
        { row_count: 5, output_format: 'csv', conditions: { numeric: { age: { min: 50 } } } },
        400,
        'simio_invalid_field',
        /min and max/,
      ],
      [
        { row_count: 5, output_format: 'csv', conditions: { numeric: { age: { min: 50, max: 20 } } } },
        400,
        'simio_invalid_field',
        /min/,
      ],
    ];
    for (const [body, status, code, detail] of cases) {
      const res = await generate(s, datasetId, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const problem = await json(res);
      expect(problem.code, JSON.stringify(body)).toBe(code);
      expect(problem.type).toBe(`https://api.simulacra-data.com/errors/${code}`);
      expect(String(problem.detail)).toMatch(detail);
    }
    const noJson = await s.api(`/v1/datasets/${datasetId}/generations`, {
      method: 'POST',
      body: '{"row_count":1}',
    });
    expect(await json(noJson)).toMatchObject({
      status: 400,
      detail: expect.stringContaining('request body is empty'),
    });
    expect((await generate(s, 'ds_missing', { row_count: 1, output_format: 'csv' })).status).toBe(404);
  });

  it('enforces the per-request cap (413) before the tenant quota (402); quota is reserved then committed', async () => {
    const tenant = s.sim.operator.createTenant('Quota Co');
    const q = sessionFor(s.sim, tenant.clientId, tenant.clientSecret);
    s.sim.operator.setTenantLimits(tenant.tenantId, { rowQuota: 100, perRequestCap: 80 });
    const ds = await readyDataset(q);
    const capped = await generate(q, ds, { row_count: 81, output_format: 'csv' });
    expect(capped.status).toBe(413);
    expect(await json(capped)).toMatchObject({
      code: 'simio_per_request_cap_exceeded',
      detail: expect.stringContaining('80'),
    });
    const first = await generate(q, ds, { row_count: 60, output_format: 'csv' });
    expect(first.status).toBe(202);
    const reservedWhileRunning = await generate(q, ds, { row_count: 60, output_format: 'csv' });
    expect(reservedWhileRunning.status).toBe(402);
    expect(await json(reservedWhileRunning)).toMatchObject({ code: 'simio_quota_exhausted' });
    await pollJob(q, String((await json(first)).job_id));
    expect((await generate(q, ds, { row_count: 41, output_format: 'csv' })).status).toBe(402);
    expect((await generate(q, ds, { row_count: 40, output_format: 'csv', wait_seconds: 10 })).status).toBe(
      200,
    );
  });

  it('replays the same key and body per dataset, 409s a different body, and scopes keys per dataset', async () => {
    const other = await readyDataset(s, seedCsv(120, 5));
    const before = s.sim.counters();
    const request = { row_count: 20, output_format: 'csv', seed: 11 };
    const first = await json(await generate(s, datasetId, request, 'gen-key-1'));
    await pollJob(s, String(first.job_id));
    const replay = await generate(
      s,
      datasetId,
      { seed: 11, output_format: 'csv', row_count: 20 },
      'gen-key-1',
    );
    expect(replay.status).toBe(202);
    expect(await json(replay)).toEqual(first);
    const conflict = await generate(s, datasetId, { ...request, row_count: 21 }, 'gen-key-1');
    expect(conflict.status).toBe(409);
    expect(await json(conflict)).toMatchObject({ code: 'simio_idempotency_conflict' });
    const elsewhere = await json(await generate(s, other, request, 'gen-key-1'));
    expect(elsewhere.generation_id).not.toBe(first.generation_id);
    await pollJob(s, String(elsewhere.job_id));
    const after = s.sim.counters();
    expect(after.generationsExecuted - before.generationsExecuted).toBe(2);
    expect(after.idempotentReplays - before.idempotentReplays).toBe(1);
    expect(after.rowsReserved - before.rowsReserved).toBe(40);
    expect(after.rowsCommitted - before.rowsCommitted).toBe(40);
    const bodyKey = await generate(s, datasetId, { ...request, idempotency_key: 'gen-key-1' });
    expect(bodyKey.status).toBe(202);
    expect(await json(bodyKey)).toEqual(first);
  });

  it('guards downloads: bearer first (401), then bad or expired signature and other tenants (404)', async () => {
    const generation = await readyGeneration(s, datasetId, { row_count: 10, output_format: 'csv', seed: 1 });
    const url = String(generation.artifact_url);
    const anonymous = await fetch(`${s.sim.apiBase}${url}`);
    expect(anonymous.status).toBe(401);
    const tampered = url.replace(/sig=[0-9a-f]{4}/, 'sig=0000');
    expect((await s.api(tampered)).status).toBe(404);
    expect((await s.api(url.replace(/expires=\d+/, (m) => `${m}1`))).status).toBe(404);
    expect((await s.api(url.replace(/&sig=.*/, ''))).status).toBe(404);
    const other = s.sim.operator.createTenant('Snoop Co');
    const o = sessionFor(s.sim, other.clientId, other.clientSecret);
    const foreign = await o.api(url);
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ code: 'simio_generation_not_found' });
    expect((await o.api(`/v1/generations/${String(generation.generation_id)}`)).status).toBe(404);
    clock += 16 * 60_000;
    const expired = await s.api(url);
    expect(expired.status).toBe(404);
    expect(await json(expired)).toMatchObject({ code: 'simio_generation_not_found' });
    const fresh = await json(await s.api(`/v1/generations/${String(generation.generation_id)}`));
    expect((await s.api(String(fresh.artifact_url))).status).toBe(200);
    clock = Date.now();
  });

  it('lists generations newest first; after the dataset is deleted the list is 404 but generations remain', async () => {
    const ds = await readyDataset(s, seedCsv(80, 6));
    const g1 = await readyGeneration(s, ds, { row_count: 5, output_format: 'csv' });
    const g2 = await readyGeneration(s, ds, { row_count: 6, output_format: 'arrow' });
    const list = await json(await s.api(`/v1/datasets/${ds}/generations?limit=1`));
    const items = list.generations as Array<Record<string, unknown>>;
    expect(items.map((g) => g.generation_id)).toEqual([g2.generation_id]);
    expect(items[0]).not.toHaveProperty('artifact_url');
    const page2 = await json(
      await s.api(`/v1/datasets/${ds}/generations?limit=1&cursor=${String(list.next_cursor)}`),
    );
    expect((page2.generations as Array<Record<string, unknown>>)[0]!.generation_id).toBe(g1.generation_id);
    expect((await s.api(`/v1/datasets/${ds}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api(`/v1/datasets/${ds}/generations`)).status).toBe(404);
    const kept = await json(await s.api(`/v1/generations/${String(g1.generation_id)}`));
    expect(kept.status).toBe('ready');
    expect((await download(s, kept)).status).toBe(200);
  });

  it('cancels an in-flight generation when its dataset is deleted', async () => {
    const slow = await startSession({ timings: { generationMs: 400 } });
    try {
      const ds = await readyDataset(slow);
      const accepted = await json(await generate(slow, ds, { row_count: 10, output_format: 'csv' }));
      expect((await slow.api(`/v1/datasets/${ds}`, { method: 'DELETE' })).status).toBe(204);
      const job = await pollJob(slow, String(accepted.job_id));
      expect(job).toMatchObject({ status: 'cancelled', error: { code: 'simio_dataset_not_found' } });
    } finally {
      await slow.sim.close();
    }
  });
});
