/**
 * Async jobs: `queued` -> `running` -> `completed` | `failed` | `cancelled` | `expired`, with
 * configurable durations, a `stage`, timestamps, injected failures, and `GET /v1/jobs/{job_id}`.
 * Terminal jobs stay readable for the job TTL, then 404.
 */
import { authenticate } from './auth.ts';
import { iso, nullish, type SimContext } from './context.ts';
import { newId } from './ids.ts';
import { notFound } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';
import type { JobRecord, JobType } from './store.ts';

const JOB_ID = /^job_[A-Za-z0-9_-]{4,128}$/;

/** A job that ended without its result; `code` becomes `job.error.code`. */
export class JobFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 'failed' | 'expired' | 'cancelled' = 'failed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JobFailedError';
  }
}

/** The work of one job type. */
export interface JobWorker {
  readonly durationMs: (ctx: SimContext) => number;
  readonly firstStage: string;
  /** Does the heavy work and returns a commit step that runs at the end of the simulated duration. */
  prepare(job: JobRecord, setStage: (stage: string) => void): Promise<() => Promise<void> | void>;
  /** Cleans up after a failed, cancelled or expired job (release quota, mark the resource). */
  onFailure(job: JobRecord): void;
}

/** Runs jobs with simulated durations; `waitFor` supports the `wait_seconds` sync window. */
export class JobRunner {
  private readonly done = new Map<string, Promise<void>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly workers: Record<JobType, JobWorker>,
  ) {}

  /** Creates and starts a job of `jobType` working on `target`. */
  create(tenantId: string, jobType: JobType, target: string, requestId: string): JobRecord {
    const job: JobRecord = {
      jobId: newId('job_'),
      tenantId,
      jobType,
      status: 'queued',
      stage: 'queued',
      requestId,
      createdAt: this.ctx.now(),
      startedAt: null,
      completedAt: null,
      datasetId: null,
      generationId: null,
      error: null,
      target,
    };
    this.ctx.store.data.jobs[job.jobId] = job;
    this.start(job);
    return job;
  }

  /** Starts (or, after a reload, restarts) a non-terminal job. */
  start(job: JobRecord): void {
    this.done.set(job.jobId, this.execute(job));
  }

  /** Resolves true when the job is terminal within `ms`. */
  async waitFor(jobId: string, ms: number): Promise<boolean> {
    const done = this.done.get(jobId);
    if (!done) return true;
    if (ms <= 0) return false;
    let finished = false;
    await Promise.race([done.then(() => (finished = true)), this.sleep(ms)]);
    return finished;
  }

  /**
   * Starts the `jobType` job that builds the just-stored `resource` (recording its job id and
   * saving the store) and waits up to `waitSeconds` for it: the `wait_seconds` sync window.
   * Resolves to `readyReply()` when the job ended in time and it gives a reply (null: the resource
   * did not come out ready), otherwise to the 202 `processing` reply naming `ids`, the request id
   * and the job id, with `Retry-After`.
   */
  async startAndWait(
    request: {
      readonly tenantId: string;
      readonly jobType: JobType;
      readonly resource: { jobId: string };
      readonly target: string;
      readonly ids: Readonly<Record<string, string>>;
      readonly requestId: string;
      readonly waitSeconds: number;
    },
    readyReply: () => Reply | null,
  ): Promise<Reply> {
    const job = this.create(request.tenantId, request.jobType, request.target, request.requestId);
    request.resource.jobId = job.jobId;
    this.ctx.store.save();
    const finished = await this.waitFor(job.jobId, request.waitSeconds * 1000);
    return (
      (finished ? readyReply() : null) ?? {
        status: 202,
        json: { ...request.ids, status: 'processing', request_id: request.requestId, job_id: job.jobId },
        headers: { 'retry-after': String(this.ctx.config.timings.pollAfterSeconds) },
      }
    );
  }

  /** Ends a job from outside (dataset deleted or expired) unless it is already terminal. */
  interrupt(job: JobRecord, status: 'cancelled' | 'expired', code: string, message: string): void {
    if (job.status !== 'queued' && job.status !== 'running') return;
    job.status = status;
    job.stage = status;
    job.completedAt = this.ctx.now();
    job.error = { code, message };
    this.workers[job.jobType].onFailure(job);
  }

  /** Stops all timers; running jobs stop at their next step. */
  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.timers.clear();
    await Promise.allSettled([...this.done.values()]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private async execute(job: JobRecord): Promise<void> {
    const { ctx } = this;
    const worker = this.workers[job.jobType];
    await this.sleep(ctx.config.timings.queueMs);
    if (this.closed || job.status !== 'queued') return;
    job.status = 'running';
    job.startedAt = ctx.now();
    job.stage = worker.firstStage;
    ctx.store.save();
    const started = Date.now();
    try {
      const injected = ctx.faults.takeJobFailure(job.jobType);
      if (injected) {
        await this.sleep(worker.durationMs(ctx));
        throw new JobFailedError(
          injected,
          `Injected failure: the ${job.jobType} job failed with ${injected}.`,
        );
      }
      const commit = await worker.prepare(job, (stage) => {
        job.stage = stage;
      });
      await this.sleep(Math.max(0, worker.durationMs(ctx) - (Date.now() - started)));
      if (this.closed || job.status !== 'running') return;
      await commit();
      if (job.status !== 'running') return;
      job.status = 'completed';
      job.stage = 'completed';
      job.completedAt = ctx.now();
    } catch (error) {
      if (job.status !== 'running') return;
      const failure =
        error instanceof JobFailedError
          ? error
          : new JobFailedError(
              'simio_internal_error',
              `The job failed unexpectedly: ${(error as Error).message}`,
            );
      job.status = failure.status;
      job.stage = failure.status;
      job.completedAt = ctx.now();
      job.error = { code: failure.code, message: failure.message };
      worker.onFailure(job);
    } finally {
      if (!this.closed) ctx.store.save();
      this.done.delete(job.jobId);
    }
  }
}

/** The job as the API shows it. */
export function jobBody(ctx: SimContext, job: JobRecord, requestId: string): Record<string, unknown> {
  return {
    job_id: job.jobId,
    job_type: job.jobType,
    status: job.status,
    stage: job.stage,
    request_id: requestId,
    created_at: iso(job.createdAt),
    started_at: nullish(ctx, job.startedAt === null ? null : iso(job.startedAt)),
    completed_at: nullish(ctx, job.completedAt === null ? null : iso(job.completedAt)),
    dataset_id: nullish(ctx, job.datasetId),
    generation_id: nullish(ctx, job.generationId),
    error: nullish(ctx, job.error),
  };
}

/** `GET /v1/jobs/{job_id}`: missing, expired or another tenant's job is 404. */
export function getJob(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const { tenant } = authenticate(ctx, rc);
  const id = rc.params.job_id ?? '';
  const job = JOB_ID.test(id) ? ctx.store.data.jobs[id] : undefined;
  if (!job || job.tenantId !== tenant.tenantId) throw notFound('simio_job_not_found');
  if (job.completedAt !== null && job.completedAt + ctx.config.retention.jobTtlMs <= ctx.now()) {
    throw notFound('simio_job_not_found');
  }
  return Promise.resolve({ status: 200, json: jobBody(ctx, job, rc.requestId) });
}
