/**
 * Generation routes: create (validation, idempotency scoped per dataset, per-request cap 413,
 * tenant quota 402 reserved at request and committed at completion, `wait_seconds`, 207 partial),
 * list per dataset, get (with a fresh artifact URL) and the managed download relay.
 */
import { randomInt } from 'node:crypto';
import type { Conditions } from '../src/client/contract.ts';
import { artifactUrl, FORMAT_MEDIA, relaySignatureValid } from './artifacts.ts';
import { authenticate } from './auth.ts';
import { parseObjectBody, readBody } from './body.ts';
import { iso, nullish, type SimContext } from './context.ts';
import { liveDataset } from './dataset-lifecycle.ts';
import { canonicalJson, fingerprint, idempotencyKeyOf, recordWork, runIdempotent } from './idempotency.ts';
import { newId } from './ids.ts';
import { JobFailedError, type JobRunner, type JobWorker } from './jobs.ts';
import { paginate, pageParams } from './pagination.ts';
import { ProblemError, invalidField, notFound } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';
import type { GenerationRecord, JobRecord, OutputFormat, TenantRecord } from './store.ts';

const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const FORMATS: readonly OutputFormat[] = ['parquet', 'csv', 'arrow'];
const MAX_SEED = 2 ** 31 - 1;

interface GenerationRequest {
  readonly rowCount: number;
  readonly outputFormat: OutputFormat;
  readonly seed: number | null;
  readonly waitSeconds: number;
  readonly conditions: Conditions | undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validateConditions(raw: unknown): Conditions | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw))
    throw invalidField('conditions must be an object with optional categorical and numeric members.');
  for (const member of Object.keys(raw)) {
    if (member !== 'categorical' && member !== 'numeric') {
      throw invalidField(
        `conditions.${member} is not supported: use conditions.categorical and conditions.numeric.`,
      );
    }
  }
  if (raw.categorical !== undefined) {
    if (!isPlainObject(raw.categorical))
      throw invalidField('conditions.categorical must map column names to {level: share}.');
    for (const [column, levels] of Object.entries(raw.categorical)) {
      if (!isPlainObject(levels))
        throw invalidField(`conditions.categorical.${column} must map levels to shares.`);
      let sum = 0;
      for (const [level, share] of Object.entries(levels)) {
        if (typeof share !== 'number' || !Number.isFinite(share) || share < 0) {
          throw invalidField(
            `conditions.categorical.${column}.${level} must be a number >= 0 (a share such as 0.7).`,
          );
        }
        sum += share;
      }
      if (sum > 1 + 1e-6) {
        throw invalidField(`conditions.categorical.${column} shares sum to ${sum}; they must not exceed 1.`);
      }
    }
  }
  if (raw.numeric !== undefined) {
    if (!isPlainObject(raw.numeric))
      throw invalidField('conditions.numeric must map column names to {min, max}.');
    for (const [column, range] of Object.entries(raw.numeric)) {
      if (!isPlainObject(range) || typeof range.min !== 'number' || typeof range.max !== 'number') {
        throw invalidField(`conditions.numeric.${column} needs both min and max as numbers.`);
      }
      if (range.min > range.max) throw invalidField(`conditions.numeric.${column}: min must be <= max.`);
    }
  }
  return raw;
}

function validateRequest(body: Record<string, unknown>): GenerationRequest {
  const rowCount = body.row_count;
  if (typeof rowCount !== 'number' || !Number.isInteger(rowCount) || rowCount < 1) {
    throw invalidField('row_count is required: an integer >= 1.');
  }
  const format = body.output_format;
  if (typeof format !== 'string' || !FORMATS.includes(format as OutputFormat)) {
    throw invalidField('output_format is required: one of parquet, csv, arrow.');
  }
  const seed = body.seed;
  if (
    seed !== undefined &&
    (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED)
  ) {
    throw invalidField(`seed must be an integer between 0 and ${MAX_SEED}.`);
  }
  const wait = body.wait_seconds ?? 0;
  if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > 60) {
    throw invalidField('wait_seconds must be a non-negative integer up to 60.');
  }
  return {
    rowCount,
    outputFormat: format as OutputFormat,
    seed: seed ?? null,
    waitSeconds: wait,
    conditions: validateConditions(body.conditions),
  };
}

function releaseReservation(ctx: SimContext, generation: GenerationRecord): TenantRecord | undefined {
  const tenant = ctx.store.data.tenants[generation.tenantId];
  if (tenant) tenant.rowsReserved = Math.max(0, tenant.rowsReserved - generation.rowsRequested);
  return tenant;
}

/** The generation job: sample rows, encode (and in enterprise mode encrypt) the artifact. */
export function generationWorker(ctx: SimContext): JobWorker {
  return {
    durationMs: (c) => c.config.timings.generationMs,
    firstStage: 'sampling',
    async prepare(job, setStage) {
      const generation = ctx.store.data.generations[job.target];
      const dataset = generation ? ctx.store.data.datasets[generation.datasetId] : undefined;
      const model = dataset ? ctx.store.getModel(dataset.datasetId) : undefined;
      if (!generation || !dataset || dataset.state !== 'ready' || model === undefined) {
        throw new JobFailedError(
          'simio_dataset_not_found',
          'The parent dataset is no longer available.',
          'expired',
        );
      }
      const engine = await ctx.engine();
      const result = await engine.generate(model, {
        rowCount: generation.rowsRequested,
        ...(generation.conditions ? { conditions: generation.conditions } : {}),
        seed: generation.seed,
        mode: ctx.generationMode,
      });
      ctx.counters.add('generationsExecuted');
      recordWork(
        ctx,
        `generate|${generation.datasetId}|${canonicalJson({
          rows: generation.rowsRequested,
          format: generation.outputFormat,
          seed: generation.seed,
          conditions: generation.conditions,
        })}`,
      );
      if (result.rowsGenerated <= 0) {
        throw new JobFailedError(
          'generation_failed',
          'No rows were feasible under the requested conditions; relax the scenario and request a new generation.',
        );
      }
      setStage('encoding');
      const plaintext = await engine.encodeArtifact(result.columns, generation.outputFormat);
      const media = FORMAT_MEDIA[generation.outputFormat];
      let stored = plaintext;
      let encryption: NonNullable<GenerationRecord['artifact']>['encryption'] = null;
      if (ctx.config.mode === 'enterprise') {
        if (!ctx.kms)
          throw new JobFailedError('simio_internal_error', 'Enterprise mode has no KMS key configured.');
        setStage('encrypting');
        const encryptionContext = { tenant_id: generation.tenantId, generation_id: generation.generationId };
        const sealed = await engine.encryptArtifact(plaintext, {
          kms: ctx.kms.client,
          keyId: ctx.kms.keyId,
          encryptionContext,
        });
        stored = sealed.body;
        encryption = { wrappedDek: sealed.wrappedDek, iv: sealed.iv, encryptionContext };
      }
      return () => {
        const now = ctx.now();
        const parent = ctx.store.data.datasets[generation.datasetId];
        if (!parent || parent.state !== 'ready' || parent.expiresAt <= now) {
          throw new JobFailedError(
            'simio_dataset_not_found',
            'The parent dataset expired while the generation was running.',
            'expired',
          );
        }
        const blob = `artifact-${generation.generationId}.${media.extension}`;
        ctx.store.putBlob(blob, stored);
        generation.artifact = {
          blob,
          contentType: media.contentType,
          extension: media.extension,
          encryption,
        };
        generation.rowsGenerated = result.rowsGenerated;
        generation.state =
          result.partial || result.rowsGenerated < generation.rowsRequested ? 'partial' : 'ready';
        generation.expiresAt = now + ctx.config.retention.generationTtlMs;
        const tenant = releaseReservation(ctx, generation);
        if (tenant) tenant.rowsCommitted += result.rowsGenerated;
        ctx.counters.add('rowsCommitted', result.rowsGenerated);
        job.generationId = generation.generationId;
        job.datasetId = generation.datasetId;
      };
    },
    onFailure(job: JobRecord) {
      const generation = ctx.store.data.generations[job.target];
      if (generation && generation.state === 'processing') {
        generation.state = 'failed';
        releaseReservation(ctx, generation);
      }
    },
  };
}

function syncBody(generation: GenerationRecord, requestId: string): Record<string, unknown> {
  return {
    generation_id: generation.generationId,
    dataset_id: generation.datasetId,
    status: generation.state,
    request_id: requestId,
    output_format: generation.outputFormat,
    rows_requested: generation.rowsRequested,
    rows_generated: generation.rowsGenerated,
    expires_at: iso(generation.expiresAt),
  };
}

/** `POST /v1/datasets/{dataset_id}/generations`. */
export async function createGeneration(
  ctx: SimContext,
  rc: RequestContext,
  runner: JobRunner,
): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const raw = await readBody(rc.req, 1024 * 1024);
  const dataset = liveDataset(ctx, caller, rc.params.dataset_id ?? '', runner);
  const body = parseObjectBody(rc.req, raw);
  const key = idempotencyKeyOf(rc, body.idempotency_key);
  const { idempotency_key: _ignored, ...fingerprinted } = body;
  const scope = `generations|${caller.tenant.tenantId}|${dataset.datasetId}`;
  return runIdempotent(ctx, scope, key, fingerprint(fingerprinted), async () => {
    const request = validateRequest(body);
    const engine = await ctx.engine();
    const problems = await engine.checkConditions(ctx.store.getModel(dataset.datasetId), request.conditions);
    const problem = problems[0];
    if (problem) throw new ProblemError(400, problem.code, problem.message);
    const tenant = caller.tenant;
    if (request.rowCount > tenant.perRequestCap) {
      throw new ProblemError(
        413,
        'simio_per_request_cap_exceeded',
        `row_count exceeds the per-request cap of ${tenant.perRequestCap}.`,
      );
    }
    if (request.rowCount > tenant.rowQuota - tenant.rowsCommitted - tenant.rowsReserved) {
      throw new ProblemError(402, 'simio_quota_exhausted', 'Tenant row quota exhausted.');
    }
    tenant.rowsReserved += request.rowCount;
    ctx.counters.add('rowsReserved', request.rowCount);
    const now = ctx.now();
    const generation: GenerationRecord = {
      generationId: newId('gen_'),
      datasetId: dataset.datasetId,
      tenantId: tenant.tenantId,
      state: 'processing',
      outputFormat: request.outputFormat,
      rowsRequested: request.rowCount,
      rowsGenerated: 0,
      seed: request.seed ?? randomInt(0, MAX_SEED),
      conditions: request.conditions ?? null,
      createdAt: now,
      expiresAt: now + ctx.config.retention.generationTtlMs,
      artifact: null,
      jobId: '',
    };
    ctx.store.data.generations[generation.generationId] = generation;
    return runner.startAndWait(
      {
        tenantId: tenant.tenantId,
        jobType: 'generation_create',
        resource: generation,
        target: generation.generationId,
        ids: { generation_id: generation.generationId, dataset_id: generation.datasetId },
        requestId: rc.requestId,
        waitSeconds: request.waitSeconds,
      },
      () =>
        generation.state === 'ready' || generation.state === 'partial'
          ? { status: generation.state === 'partial' ? 207 : 200, json: syncBody(generation, rc.requestId) }
          : null,
    );
  });
}

function liveGeneration(ctx: SimContext, tenantId: string, id: string): GenerationRecord {
  const generation = RESOURCE_ID.test(id) ? ctx.store.data.generations[id] : undefined;
  if (
    !generation ||
    generation.tenantId !== tenantId ||
    (generation.state !== 'ready' && generation.state !== 'partial') ||
    generation.expiresAt <= ctx.now()
  ) {
    throw notFound('simio_generation_not_found');
  }
  return generation;
}

function listItem(generation: GenerationRecord): Record<string, unknown> {
  return {
    generation_id: generation.generationId,
    dataset_id: generation.datasetId,
    status: generation.state,
    output_format: generation.outputFormat,
    rows_requested: generation.rowsRequested,
    rows_generated: generation.rowsGenerated,
    created_at: iso(generation.createdAt),
    expires_at: iso(generation.expiresAt),
  };
}

/** `GET /v1/datasets/{dataset_id}/generations`: 404 when the parent is gone, even if the list would be empty. */
export function listGenerations(ctx: SimContext, rc: RequestContext, runner: JobRunner): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const dataset = liveDataset(ctx, caller, rc.params.dataset_id ?? '', runner);
  const params = pageParams(rc);
  const now = ctx.now();
  const items = Object.values(ctx.store.data.generations)
    .filter(
      (g) =>
        g.datasetId === dataset.datasetId &&
        (g.state === 'ready' || g.state === 'partial') &&
        g.expiresAt > now,
    )
    .reverse() // newest insertion first, kept by the stable sort for equal timestamps
    .sort((a, b) => b.createdAt - a.createdAt);
  const { page, nextCursor } = paginate(items, (g) => g.generationId, params);
  return Promise.resolve({
    status: 200,
    json: {
      dataset_id: dataset.datasetId,
      generations: page.map(listItem),
      limit: params.limit,
      next_cursor: nullish(ctx, nextCursor),
      request_id: rc.requestId,
    },
  });
}

/** `GET /v1/generations/{generation_id}`: a fresh artifact URL each time; refreshes the parent's activity. */
export function getGeneration(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const generation = liveGeneration(ctx, caller.tenant.tenantId, rc.params.generation_id ?? '');
  const parent = ctx.store.data.datasets[generation.datasetId];
  if (parent && parent.state === 'ready') parent.lastUsedAt = ctx.now();
  const encryption = generation.artifact?.encryption;
  return Promise.resolve({
    status: 200,
    json: {
      ...listItem(generation),
      request_id: rc.requestId,
      artifact_url: artifactUrl(ctx, generation),
      artifact_encryption: encryption
        ? {
            scheme: 'envelope-aes-256-gcm',
            wrapped_dek: encryption.wrappedDek,
            iv: encryption.iv,
            encryption_context: encryption.encryptionContext,
          }
        : { scheme: 'managed' },
    },
  });
}

/** `GET /v1/generations/{generation_id}/download`: bearer first (401), then signature/expiry/tenant (404). */
export function downloadArtifact(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const caller = authenticate(ctx, rc);
  const id = rc.params.generation_id ?? '';
  if (!relaySignatureValid(ctx, id, rc.url.searchParams.get('expires'), rc.url.searchParams.get('sig'))) {
    throw notFound('simio_generation_not_found');
  }
  const generation = liveGeneration(ctx, caller.tenant.tenantId, id);
  const artifact = generation.artifact;
  const body = artifact && !artifact.encryption ? ctx.store.getBlob(artifact.blob) : undefined;
  if (!artifact || !body) throw notFound('simio_generation_not_found');
  return Promise.resolve({
    status: 200,
    raw: { body, contentType: artifact.contentType },
    headers: {
      'content-disposition': `attachment; filename="${generation.generationId}.${artifact.extension}"`,
    },
  });
}
