/**
 * A dataset's life in the simulator: the training job (read, clean, train; `ready` at the end),
 * the live-dataset lookup that expires on read, and retirement (delete or expiry) with the jobs
 * it interrupts.
 */
import { type Caller } from './auth.ts';
import { iso, type SimContext } from './context.ts';
import { forgetWork, recordWork } from './idempotency.ts';
import { JobFailedError, type JobRunner, type JobWorker } from './jobs.ts';
import { notFound } from './problems.ts';
import type { DatasetRecord, JobRecord } from './store.ts';

/** The shape of a dataset id; anything else is answered 404 without a lookup. */
export const RESOURCE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The dataset `id` of `caller`'s tenant if it is ready and unexpired; 404 otherwise. */
export function liveDataset(ctx: SimContext, caller: Caller, id: string, runner: JobRunner): DatasetRecord {
  const dataset = RESOURCE_ID.test(id) ? ctx.store.data.datasets[id] : undefined;
  if (!dataset || dataset.tenantId !== caller.tenant.tenantId || dataset.state !== 'ready') {
    throw notFound('simio_dataset_not_found');
  }
  if (dataset.expiresAt <= ctx.now()) {
    retireDataset(ctx, dataset, runner, 'expired');
    ctx.store.save();
    throw notFound('simio_dataset_not_found');
  }
  return dataset;
}

/** The duplicate-work identity of a dataset's training: same tenant, seed bytes and cleaning. */
function trainingWork(dataset: DatasetRecord): string {
  return `train|${dataset.tenantId}|${dataset.seedHash}|${String(dataset.autoClean)}`;
}

/**
 * Removes a dataset's retained data and model (delete or expiry). In-flight generation jobs on
 * it end `cancelled` (delete) or `expired` (expiry); generations keep their own expiry.
 */
export function retireDataset(
  ctx: SimContext,
  dataset: DatasetRecord,
  runner: JobRunner,
  why: 'deleted' | 'expired',
): void {
  if (dataset.state === 'processing') {
    const job = ctx.store.data.jobs[dataset.jobId];
    if (job)
      runner.interrupt(
        job,
        why === 'deleted' ? 'cancelled' : 'expired',
        'simio_dataset_not_found',
        `The dataset was ${why}.`,
      );
  }
  if (dataset.state === 'ready') forgetWork(ctx, trainingWork(dataset));
  dataset.state = 'deleted';
  ctx.store.deleteModel(dataset.datasetId);
  ctx.store.deleteBlob(dataset.seedBlob);
  for (const generation of Object.values(ctx.store.data.generations)) {
    if (generation.datasetId !== dataset.datasetId || generation.state !== 'processing') continue;
    const job = ctx.store.data.jobs[generation.jobId];
    if (job) {
      runner.interrupt(
        job,
        why === 'deleted' ? 'cancelled' : 'expired',
        'simio_dataset_not_found',
        `The parent dataset was ${why} while the generation was running.`,
      );
    }
  }
}

/** The training job: read, clean, train; the dataset becomes `ready` at the end. */
export function datasetWorker(ctx: SimContext): JobWorker {
  return {
    durationMs: (c) => c.config.timings.trainingMs,
    firstStage: 'reading',
    async prepare(job, setStage) {
      const dataset = ctx.store.data.datasets[job.target];
      const bytes = dataset ? ctx.store.getBlob(dataset.seedBlob) : undefined;
      if (!dataset || !bytes)
        throw new JobFailedError('training_failed', 'The uploaded seed is no longer available.');
      const engine = await ctx.engine();
      const started = Date.now();
      try {
        const seed: unknown = await engine.readSeed(bytes, dataset.seedFilename);
        setStage('cleaning');
        const cleaned = await engine.cleanSeed(seed, { autoClean: dataset.autoClean });
        const schema = await engine.schemaOf(cleaned.table);
        setStage('training');
        const model: unknown = await engine.trainModel(cleaned.table, {
          seed: Number.parseInt(dataset.seedHash.slice(0, 8), 16) & 0x7fffffff,
        });
        ctx.counters.add('trainings');
        recordWork(ctx, trainingWork(dataset));
        const durationMs = Date.now() - started;
        return () => {
          const now = ctx.now();
          dataset.state = 'ready';
          ctx.store.putModel(dataset.datasetId, model);
          dataset.schema = [...schema];
          dataset.cleaningSummary = cleaned.summary;
          dataset.trainingSummary = {
            trained_at: iso(now),
            duration_ms: Math.max(durationMs, ctx.config.timings.trainingMs),
          };
          const pinned = ctx.faults.spec.datasetExpireAfterSeconds;
          dataset.expiresAt =
            pinned !== undefined
              ? now + pinned * 1000
              : dataset.createdAt + ctx.config.retention.datasetTtlMs;
          dataset.lastUsedAt = now;
          ctx.store.deleteBlob(dataset.seedBlob);
          job.datasetId = dataset.datasetId;
        };
      } catch (error) {
        if (error instanceof JobFailedError) throw error;
        throw new JobFailedError(
          'training_failed',
          `Training failed: ${(error as Error).message}`,
          'failed',
          { cause: error },
        );
      }
    },
    onFailure(job: JobRecord) {
      const dataset = ctx.store.data.datasets[job.target];
      if (dataset && dataset.state === 'processing') {
        dataset.state = 'failed';
        ctx.store.deleteBlob(dataset.seedBlob);
      }
    },
  };
}

/** Operator hook: expires a dataset now (as if its retention window ended). */
export function expireDatasetNow(ctx: SimContext, datasetId: string, runner: JobRunner): void {
  const dataset = ctx.store.data.datasets[datasetId];
  if (!dataset) throw new Error(`Unknown dataset ${datasetId}.`);
  dataset.expiresAt = Math.min(dataset.expiresAt, ctx.now());
  if (dataset.state !== 'deleted') retireDataset(ctx, dataset, runner, 'expired');
  ctx.store.save();
}
