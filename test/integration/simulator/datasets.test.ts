import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pollJob,
  readyDataset,
  seedCsv,
  sessionFor,
  startSession,
  uploadForm,
  type Session,
} from '../../support/simulator-helpers.ts';

const HOUR = 3_600_000;

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('simulator datasets', () => {
  let s: Session;
  let clock = Date.now();
  beforeAll(async () => {
    s = await startSession({ now: () => clock, limits: { maxUploadBytes: 64 * 1024 } });
  });
  afterAll(() => s.sim.close());

  it('uploads async (202 + job, queued/running -> completed) and then serves the dataset and schema', async () => {
    const res = await s.api('/v1/datasets', {
      method: 'POST',
      body: uploadForm(seedCsv(), { display_name: 'Quickstart seed' }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('retry-after')).toBe('2');
    const body = await json(res);
    expect(body).toEqual({
      dataset_id: expect.stringMatching(/^ds_/),
      status: 'processing',
      request_id: res.headers.get('x-request-id'),
      job_id: expect.stringMatching(/^job_[A-Za-z0-9_-]{4,128}$/),
    });
    const job = await pollJob(s, String(body.job_id));
    expect(job).toMatchObject({
      job_type: 'dataset_create',
      status: 'completed',
      stage: 'completed',
      dataset_id: body.dataset_id,
      generation_id: {},
      error: {},
    });
    const dataset = await json(await s.api(`/v1/datasets/${String(body.dataset_id)}`));
    expect(dataset).toMatchObject({
      status: 'ready',
      display_name: 'Quickstart seed',
      cleaning_summary: { input_rows: 240, input_columns: 5, dropped_columns: [] },
      training_summary: { trained_at: expect.any(String), duration_ms: expect.any(Number) },
    });
    const schema = await json(await s.api(`/v1/datasets/${String(body.dataset_id)}/schema`));
    const columns = schema.schema as Array<Record<string, unknown>>;
    expect(columns.map((c) => c.name)).toEqual(['age', 'segment', 'channel', 'region', 'purchase.intent']);
    expect(columns[0]).toEqual({
      name: 'age',
      type: 'integer',
      min: 18,
      max: 65,
      conditioning_excluded: false,
    });
    expect(columns[1]).not.toHaveProperty('min');
  });

  it('answers 200 ready within wait_seconds', async () => {
    const res = await s.api('/v1/datasets', {
      method: 'POST',
      body: uploadForm(seedCsv(60, 1), { wait_seconds: '5' }),
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      status: 'ready',
      expires_at: expect.any(String),
      cleaning_summary: expect.any(Object),
    });
  });

  it('rejects non-multipart (415), oversized (413), Excel/SAV (400) and bad fields (400)', async () => {
    const notMultipart = await s.api('/v1/datasets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notMultipart.status).toBe(415);
    expect(await json(notMultipart)).toMatchObject({ code: 'simio_unsupported_content_type' });
    const tooLarge = await s.api('/v1/datasets', {
      method: 'POST',
      body: uploadForm('x'.repeat(200 * 1024)),
    });
    expect(tooLarge.status).toBe(413);
    expect(await json(tooLarge)).toMatchObject({ code: 'simio_file_too_large' });
    for (const name of ['survey.xlsx', 'survey.sav']) {
      const res = await s.api('/v1/datasets', { method: 'POST', body: uploadForm('PK..', {}, name) });
      expect(res.status).toBe(400);
      expect(String((await json(res)).detail)).toMatch(/CSV.*Parquet/);
    }
    const badWait = await s.api('/v1/datasets', {
      method: 'POST',
      body: uploadForm(seedCsv(), { wait_seconds: '61' }),
    });
    expect(await json(badWait)).toMatchObject({
      status: 400,
      code: 'simio_invalid_field',
      detail: expect.stringContaining('wait_seconds'),
    });
    const badClean = await s.api('/v1/datasets', {
      method: 'POST',
      body: uploadForm(seedCsv(), { auto_clean: 'maybe' }),
    });
    expect(await json(badClean)).toMatchObject({
      status: 400,
      detail: expect.stringContaining('auto_clean'),
    });
    const noFile = new FormData();
    noFile.set('display_name', 'x');
    expect(await json(await s.api('/v1/datasets', { method: 'POST', body: noFile }))).toMatchObject({
      status: 400,
      detail: expect.stringContaining('seed_file'),
    });
    const garbage = await s.api('/v1/datasets', { method: 'POST', body: uploadForm('', {}, 'empty.csv') });
    expect(garbage.status).toBe(400);
  });

  it('replays the same key + same file (one training) and 409s a different file or body', async () => {
    const before = s.sim.counters();
    const upload = (csv: string, fields: Record<string, string> = {}) =>
      s.api('/v1/datasets', {
        method: 'POST',
        headers: { 'idempotency-key': 'ds-replay-1' },
        body: uploadForm(csv, fields),
      });
    const first = await upload(seedCsv(100, 3));
    const firstBody = await json(first);
    await pollJob(s, String(firstBody.job_id));
    const second = await upload(seedCsv(100, 3));
    expect(second.status).toBe(first.status);
    expect(await json(second)).toEqual(firstBody);
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const after = s.sim.counters();
    expect(after.trainings - before.trainings).toBe(1);
    expect(after.idempotentReplays - before.idempotentReplays).toBe(1);
    expect(after.duplicateWork).toBe(before.duplicateWork);

    const otherFile = await upload(seedCsv(100, 4));
    expect(otherFile.status).toBe(409);
    expect(await json(otherFile)).toMatchObject({
      code: 'simio_idempotency_conflict',
      detail: expect.stringContaining('different'),
    });
    const otherField = await upload(seedCsv(100, 3), { display_name: 'changed' });
    expect(otherField.status).toBe(409);
  });

  it('409s a replay while the first request is still in flight and honours the form key', async () => {
    const slow = await startSession({ timings: { trainingMs: 300 } });
    try {
      const form = () => uploadForm(seedCsv(50, 9), { wait_seconds: '10', idempotency_key: 'inflight-1' });
      const first = slow.api('/v1/datasets', { method: 'POST', body: form() });
      await new Promise((r) => setTimeout(r, 100));
      const second = await slow.api('/v1/datasets', { method: 'POST', body: form() });
      // Only finished datasets are listed (the one training now is not).
      expect((await json(await slow.api('/v1/datasets'))).datasets).toEqual([]);
      expect(second.status).toBe(409);
      expect(await json(second)).toMatchObject({ detail: expect.stringContaining('in flight') });
      expect((await first).status).toBe(200);
      const mismatch = await slow.api('/v1/datasets', {
        method: 'POST',
        headers: { 'idempotency-key': 'other' },
        body: uploadForm(seedCsv(), { idempotency_key: 'inflight-1' }),
      });
      expect(mismatch.status).toBe(400);
    } finally {
      await slow.sim.close();
    }
  });

  it('counts a re-upload of the same seed without a key as duplicate work', async () => {
    const before = s.sim.counters().duplicateWork;
    await readyDataset(s, seedCsv(30, 77));
    await readyDataset(s, seedCsv(30, 77));
    expect(s.sim.counters().duplicateWork - before).toBe(1);
  });

  it("isolates tenants: another tenant's dataset is 404 everywhere, including DELETE", async () => {
    const upload = await json(
      await s.api('/v1/datasets', { method: 'POST', body: uploadForm(seedCsv(50, 40)) }),
    );
    const mine = String(upload.dataset_id);
    await pollJob(s, String(upload.job_id));
    const other = s.sim.operator.createTenant('Other Co');
    const o = sessionFor(s.sim, other.clientId, other.clientSecret);
    const foreignJob = await o.api(`/v1/jobs/${String(upload.job_id)}`);
    expect(foreignJob.status).toBe(404);
    expect(await json(foreignJob)).toMatchObject({ code: 'simio_job_not_found' });
    for (const path of [
      `/v1/datasets/${mine}`,
      `/v1/datasets/${mine}/schema`,
      `/v1/datasets/${mine}/generations`,
    ]) {
      const res = await o.api(path);
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ code: 'simio_dataset_not_found' });
    }
    expect((await o.api(`/v1/datasets/${mine}`, { method: 'DELETE' })).status).toBe(404);
    expect((await o.api(`/v1/datasets/${mine}/extend`, { method: 'POST' })).status).toBe(404);
    const list = await json(await o.api('/v1/datasets'));
    expect(list.datasets).toEqual([]);
    expect((await s.api(`/v1/datasets/${mine}`)).status).toBe(200);
  });

  it('applies retention: sliding GET, extend to the 7-day cap (409), expiry 404, idempotent delete', async () => {
    clock = Date.now();
    const id = await readyDataset(s, seedCsv(40, 11));
    const created = Date.parse(String((await json(await s.api(`/v1/datasets/${id}`))).created_at));
    const expiresOf = async () =>
      Date.parse(String((await json(await s.api(`/v1/datasets/${id}`))).expires_at));
    clock += 20 * HOUR;
    expect(await expiresOf()).toBeGreaterThanOrEqual(created + 44 * HOUR - 2000);

    let extended = 0;
    for (;;) {
      const res = await s.api(`/v1/datasets/${id}/extend`, { method: 'POST' });
      if (res.status === 409) {
        expect(await json(res)).toMatchObject({ code: 'simio_extend_cap_exceeded' });
        break;
      }
      expect(res.status).toBe(200);
      extended += 1;
      expect(extended).toBeLessThan(10);
    }
    expect(Date.parse(String((await json(await s.api(`/v1/datasets/${id}`))).expires_at))).toBe(
      Math.floor((created + 7 * 24 * HOUR) / 1000) * 1000,
    );
    clock = created + 7 * 24 * HOUR + 1000;
    expect((await s.api(`/v1/datasets/${id}`)).status).toBe(404);
    expect((await s.api(`/v1/datasets/${id}/extend`, { method: 'POST' })).status).toBe(404);
    clock = Date.now();

    const doomed = await readyDataset(s, seedCsv(40, 12));
    expect((await s.api(`/v1/datasets/${doomed}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api(`/v1/datasets/${doomed}`, { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/v1/datasets/ds_never_existed', { method: 'DELETE' })).status).toBe(204);
    expect((await s.api('/v1/datasets/bad.id!', { method: 'DELETE' })).status).toBe(404);
    expect((await s.api(`/v1/datasets/${doomed}`)).status).toBe(404);

    const expiring = await readyDataset(s, seedCsv(40, 13));
    s.sim.operator.expireDataset(expiring);
    expect((await s.api(`/v1/datasets/${expiring}/schema`)).status).toBe(404);
  });

  it('lists newest first with limit and an opaque cursor; bad limit or cursor is 400', async () => {
    const fresh = await startSession({ nullStyle: 'null' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await readyDataset(fresh, seedCsv(30, 20 + i)));
      const page1 = await json(await fresh.api('/v1/datasets?limit=2'));
      expect(page1.limit).toBe(2);
      const items1 = page1.datasets as Array<Record<string, unknown>>;
      expect(items1.map((d) => d.dataset_id)).toEqual([ids[2], ids[1]]);
      expect(items1[0]).toMatchObject({ status: 'ready', display_name: null });
      const page2 = await json(await fresh.api(`/v1/datasets?limit=2&cursor=${String(page1.next_cursor)}`));
      expect((page2.datasets as Array<Record<string, unknown>>).map((d) => d.dataset_id)).toEqual([ids[0]]);
      expect(page2.next_cursor).toBeNull();
      for (const query of ['limit=0', 'limit=101', 'limit=2.5', 'cursor=bogus']) {
        const res = await fresh.api(`/v1/datasets?${query}`);
        expect(res.status, query).toBe(400);
        expect(await json(res)).toMatchObject({ code: 'simio_invalid_field' });
      }
    } finally {
      await fresh.sim.close();
    }
  });

  it('shows {} for null fields by default, as the vendor examples do', async () => {
    const list = await json(await s.api('/v1/datasets?limit=100'));
    expect(list.next_cursor).toEqual({});
  });
});
