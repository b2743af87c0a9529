/**
 * Dataset routes: multipart upload with idempotency and the `wait_seconds` window, retention
 * (24 h TTL, sliding on GET, extend up to 7 days), delete, list and schema. The training job and
 * expiry live in `dataset-lifecycle.ts`.
 */
import { createHash } from 'node:crypto';
import { authenticate } from './auth.ts';
import { BodyTooLargeError, mediaType, parseMultipart, readBody } from './body.ts';
import { iso, nullish, type SimContext } from './context.ts';
import { RESOURCE_ID, liveDataset, retireDataset } from './dataset-lifecycle.ts';
import { isSeedFormatError } from './engine-port.ts';
import { fingerprint, idempotencyKeyOf, runIdempotent } from './idempotency.ts';
import { newId } from './ids.ts';
import { type JobRunner } from './jobs.ts';
import { paginate, pageParams } from './pagination.ts';
import { ProblemError, invalidField, notFound } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';
import type { SchemaColumn } from '../src/client/contract.ts';
import type { DatasetRecord } from './store.ts';

const AUTO_CLEAN: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  on: true,
  false: false,
  '0': false,
  no: false,
  off: false,
};
const UNSUPPORTED_SEED = /\.(xlsx|xlsm|xls|sav|zsav|por|dta|sas7bdat|ods)$/i;

function datasetBody(ctx: SimContext, dataset: DatasetRecord, requestId: string): Record<string, unknown> {
  return {
    dataset_id: dataset.datasetId,
    status: 'ready',
    request_id: requestId,
    display_name: nullish(ctx, dataset.displayName),
    created_at: iso(dataset.createdAt),
    expires_at: iso(dataset.expiresAt),
    ...(dataset.cleaningSummary ? { cleaning_summary: dataset.cleaningSummary } : {}),
    ...(dataset.trainingSummary ? { training_summary: dataset.trainingSummary } : {}),
  };
}

interface UploadFields {
  readonly file: { data: Buffer; filename: string };
  readonly displayName: string | null;
  readonly autoClean: boolean;
  readonly waitSeconds: number;
}

function readUploadFields(parts: ReturnType<typeof parseMultipart>): {
  fields: UploadFields;
  raw: Record<string, string>;
} {
  const raw: Record<string, string> = {};
  let file: UploadFields['file'] | null = null;
  for (const part of parts) {
    if (part.name === 'seed_file') file = { data: part.data, filename: part.filename ?? 'seed' };
    else raw[part.name] = part.data.toString('utf8');
  }
  if (!file)
    throw invalidField("Form field 'seed_file' is required: attach the seed as a file part named seed_file.");
  if (UNSUPPORTED_SEED.test(file.filename)) {
    throw invalidField(
      `seed_file '${file.filename}' is not a supported format: the simulator accepts CSV (.csv) and Parquet (.parquet). ` +
        'Export the workbook or SPSS/Stata file as CSV or Parquet and upload again.',
    );
  }
  const displayName = raw.display_name ?? null;
  // eslint-disable-next-line no-control-regex
  if (displayName !== null && (displayName.length > 200 || /[\u0000-\u001f\u007f]/.test(displayName))) {
    throw invalidField('display_name must be at most 200 characters without control characters.');
  }
  const autoCleanRaw = (raw.auto_clean ?? 'true').toLowerCase();
  const autoClean = AUTO_CLEAN[autoCleanRaw];
  if (autoClean === undefined)
    throw invalidField('auto_clean must be one of true, false, 1, 0, yes, no, on, off.');
  const waitRaw = raw.wait_seconds ?? '0';
  if (!/^\d+$/.test(waitRaw) || Number(waitRaw) > 60) {
    throw invalidField('wait_seconds must be a non-negative integer up to 60.');
  }
  return { fields: { file, displayName, autoClean, waitSeconds: Number(waitRaw) }, raw };
}

/** `POST /v1/datasets`. */
export async function createDataset(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const type = mediaType(rc.req);
  if (type !== 'multipart/form-data') {
    rc.req.resume();
    throw new ProblemError(
      415,
      'simio_unsupported_content_type',
      'Content-Type must be multipart/form-data.',
    );
  }
  let body: Buffer;
  try {
    body = await readBody(rc.req, ctx.config.limits.maxUploadBytes + 64 * 1024);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new ProblemError(
        413,
        'simio_file_too_large',
        'seed_file exceeds the maximum upload size of 500 MB.',
      );
    }
    throw error;
  }
  const parts = parseMultipart(rc.req.headers['content-type'] ?? '', body);
  const seedPart = parts.find((p) => p.name === 'seed_file');
  if (seedPart && seedPart.data.length > ctx.config.limits.maxUploadBytes) {
    throw new ProblemError(
      413,
      'simio_file_too_large',
      'seed_file exceeds the maximum upload size of 500 MB.',
    );
  }
  const formKey = parts.find((p) => p.name === 'idempotency_key')?.data.toString('utf8');
  const key = idempotencyKeyOf(rc, formKey);
  const seedHash = createHash('sha256')
    .update(seedPart?.data ?? Buffer.alloc(0))
    .digest('hex');
  const formFields = Object.fromEntries(
    parts
      .filter((p) => p.name !== 'seed_file' && p.name !== 'idempotency_key')
      .map((p) => [p.name, p.data.toString('utf8')]),
  );
  const scope = `datasets|${caller.tenant.tenantId}`;
  return runIdempotent(ctx, scope, key, fingerprint({ seedHash, formFields }), async () => {
    const { fields } = readUploadFields(parts);
    const engine = await ctx.engine();
    try {
      await engine.readSeed(fields.file.data, fields.file.filename);
    } catch (error) {
      if (isSeedFormatError(error)) throw invalidField(error.message);
      throw error;
    }
    const now = ctx.now();
    const datasetId = newId('ds_');
    const seedBlob = `seed-${datasetId}`;
    ctx.store.putBlob(seedBlob, fields.file.data);
    const dataset: DatasetRecord = {
      datasetId,
      tenantId: caller.tenant.tenantId,
      displayName: fields.displayName,
      state: 'processing',
      createdAt: now,
      expiresAt: now + ctx.config.retention.datasetTtlMs,
      lastUsedAt: now,
      autoClean: fields.autoClean,
      seedBlob,
      seedFilename: fields.file.filename,
      seedHash,
      cleaningSummary: null,
      trainingSummary: null,
      schema: null,
      jobId: '',
    };
    ctx.store.data.datasets[datasetId] = dataset;
    return runner.startAndWait(
      {
        tenantId: caller.tenant.tenantId,
        jobType: 'dataset_create',
        resource: dataset,
        target: datasetId,
        ids: { dataset_id: datasetId },
        requestId: rc.requestId,
        waitSeconds: fields.waitSeconds,
      },
      () =>
        dataset.state === 'ready'
          ? {
              status: 200,
              json: {
                dataset_id: datasetId,
                status: 'ready',
                request_id: rc.requestId,
                expires_at: iso(dataset.expiresAt),
                ...(dataset.cleaningSummary ? { cleaning_summary: dataset.cleaningSummary } : {}),
                ...(dataset.trainingSummary ? { training_summary: dataset.trainingSummary } : {}),
              },
            }
          : null,
    );
  });
}

/** `GET /v1/datasets`: the tenant's ready datasets, newest first. */
export function listDatasets(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const params = pageParams(rc);
  const now = ctx.now();
  const items = Object.values(ctx.store.data.datasets)
    .filter((d) => d.tenantId === caller.tenant.tenantId && d.state === 'ready' && d.expiresAt > now)
    .reverse() // newest insertion first, kept by the stable sort for equal timestamps
    .sort((a, b) => b.createdAt - a.createdAt);
  const { page, nextCursor } = paginate(items, (d) => d.datasetId, params);
  return Promise.resolve({
    status: 200,
    json: {
      datasets: page.map((d) => ({
        dataset_id: d.datasetId,
        status: 'ready',
        display_name: nullish(ctx, d.displayName),
        created_at: iso(d.createdAt),
        expires_at: iso(d.expiresAt),
      })),
      limit: params.limit,
      next_cursor: nullish(ctx, nextCursor),
      request_id: rc.requestId,
    },
  });
}

/** `GET /v1/datasets/{dataset_id}`: also slides `expires_at` (capped at 7 days from creation). */
export function getDataset(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const dataset = liveDataset(ctx, caller, rc.params.dataset_id ?? '', runner);
  const now = ctx.now();
  dataset.lastUsedAt = now;
  if (ctx.faults.spec.datasetExpireAfterSeconds === undefined) {
    const cap = dataset.createdAt + ctx.config.retention.datasetCapMs;
    dataset.expiresAt = Math.min(Math.max(dataset.expiresAt, now + ctx.config.retention.datasetTtlMs), cap);
  }
  ctx.store.save();
  return Promise.resolve({ status: 200, json: datasetBody(ctx, dataset, rc.requestId) });
}

const NUMERIC_TYPES = new Set(['numeric', 'integer', 'double']);

/** A schema column as the vendor's example shows it: `levels` only for categoricals, `min`/`max` only for numerics. */
function schemaEntry(column: SchemaColumn): Record<string, unknown> {
  const numeric = NUMERIC_TYPES.has(column.type);
  return {
    name: column.name,
    type: column.type,
    ...(!numeric && column.levels ? { levels: column.levels } : {}),
    ...(numeric ? { min: column.min, max: column.max } : {}),
    conditioning_excluded: column.conditioning_excluded ?? false,
  };
}

/** `GET /v1/datasets/{dataset_id}/schema`. */
export function getDatasetSchema(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const dataset = liveDataset(ctx, caller, rc.params.dataset_id ?? '', runner);
  return Promise.resolve({
    status: 200,
    json: {
      dataset_id: dataset.datasetId,
      schema: (dataset.schema ?? []).map(schemaEntry),
      request_id: rc.requestId,
    },
  });
}

/** `POST /v1/datasets/{dataset_id}/extend`: +TTL, clamped once to the cap, then 409. */
export async function extendDataset(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  rc.req.resume();
  const dataset = liveDataset(ctx, caller, rc.params.dataset_id ?? '', runner);
  const cap = dataset.createdAt + ctx.config.retention.datasetCapMs;
  if (dataset.expiresAt >= cap) {
    throw new ProblemError(
      409,
      'simio_extend_cap_exceeded',
      'Dataset has reached its maximum continuous retention window.',
    );
  }
  dataset.expiresAt = Math.min(dataset.expiresAt + ctx.config.retention.datasetTtlMs, cap);
  ctx.store.save();
  return Promise.resolve({
    status: 200,
    json: {
      dataset_id: dataset.datasetId,
      status: 'ready',
      expires_at: iso(dataset.expiresAt),
      created_at: iso(dataset.createdAt),
      request_id: rc.requestId,
    },
  });
}

/** `DELETE /v1/datasets/{dataset_id}`: 204 for own/unknown/already deleted ids, 404 for another tenant's or a malformed id. */
export function deleteDataset(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const id = rc.params.dataset_id ?? '';
  if (!RESOURCE_ID.test(id)) throw notFound('simio_dataset_not_found');
  const dataset = ctx.store.data.datasets[id];
  if (dataset && dataset.tenantId !== caller.tenant.tenantId) throw notFound('simio_dataset_not_found');
  if (dataset && dataset.state !== 'deleted') {
    retireDataset(ctx, dataset, runner, 'deleted');
    ctx.store.save();
  }
  return Promise.resolve({ status: 204 });
}
