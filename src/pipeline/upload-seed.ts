/**
 * Uploads one seed version to the vendor (`createDataset`), idempotently, and records which
 * dataset it became. Used by the ingest flow and by re-training in the generation flow. The
 * feed's scenario file is parsed and checked first: a malformed one fails the run before any
 * vendor training is bought.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { InputValidationError, VendorTerminalError, failure } from '../contracts/state-errors.ts';
import type { CreateDatasetResult, SimulacraApi } from '../client/contract.ts';
import type { ContentLedger } from '../state/content-ledger.ts';
import type { StateRepository } from '../state/repository.ts';
import { feedJobEstimate, type JobHistoryReader } from './job-estimate.ts';
import { initialPollState, TRAINING_POLL_POLICY, type PollState } from './polling.ts';
import { asSeedUnavailable, s3SeedSource } from './s3-seed-source.ts';
import { loadFeedScenarios } from './scenario-source.ts';
import { findReusableDataset, seedContentSha256, utcDay } from './seed-content.ts';
import { datasetIdempotencyKey, seedIdentity, type SeedObject } from './seed-object.ts';
import {
  inPacingTurn,
  nextVendorWait,
  type CarriedVendorWait,
  type VendorWait,
  type VendorWaitOutcome,
} from './vendor-wait.ts';
import * as z from '../contracts/zod.ts';

export interface UploadSeedInput {
  readonly runId: string;
  readonly feed: string;
  readonly seed: SeedObject;
  /** The expired or capped dataset this upload replaces (re-training), if any. */
  readonly replacesDatasetId?: string | null;
  /** The step's last wait, carried back by the state machine (null before any): see inPacingTurn. */
  readonly vendorWait?: CarriedVendorWait;
  /** `$$.State.RetryCount` of this attempt (see StepAttempt). */
  readonly retryCount?: number;
}

/**
 * The seed's content hash, carried through the step's wait so that its next run does not read
 * and hash the whole seed again. Only ids and a digest (no rows); valid for the exact seed
 * version it names (`seedIdentity`: the S3 version id or ETag pins the bytes).
 */
const carriedSeedContentSchema = z.object({
  identity: z.string().check(z.minLength(1)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  /**
   * Set once the duplicate-seed check found no live dataset to reuse: the re-run skips it, so it
   * neither spends its turn on a `getDataset` (refused behind a deep queue, it would wait without
   * a slot and lose the createDataset slot it holds) nor records the run's content twice.
   */
  reusable: z.optional(z.literal(false)),
});
type CarriedSeedContent = z.infer<typeof carriedSeedContentSchema>;

/** UploadSeed's wait: the vendor wait, and the seed's hash once it is known. */
export interface UploadWaitOutcome extends VendorWaitOutcome {
  readonly vendorWait: VendorWait & { readonly seedContent?: CarriedSeedContent };
}

/** What goes into the state: ids and the poll loop, nothing else. */
export interface UploadedDataset {
  readonly datasetId: string;
  /** Set when the same bytes already trained this live dataset: the earlier run this repeats. */
  readonly duplicateOf?: string | null;
  readonly jobId: string | null;
  readonly requestId: string;
  readonly replacedDatasetId: string | null;
  readonly poll: PollState;
}

export interface UploadSeedDeps {
  readonly api: SimulacraApi;
  readonly s3: S3Client;
  readonly repo: StateRepository;
  /** Content-addressed seeds; without it every seed version is uploaded. */
  readonly contents?: ContentLedger;
  /** The feed's past trainings, to place the first poll near the expected end. */
  readonly history?: JobHistoryReader;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** When the step's handler was entered (epoch ms); default: when uploadSeed is called. */
  readonly startedAt?: number;
}

/** What a wait carried for exactly this (pinned) seed version (hash, reuse decision), or null. */
function carriedSeedContent(input: UploadSeedInput): CarriedSeedContent | null {
  const seed = input.seed;
  if (!seed.versionId && !seed.etag) return null;
  const carried = carriedSeedContentSchema.safeParse(
    (input.vendorWait as { seedContent?: unknown } | null | undefined)?.seedContent,
  );
  return carried.success && carried.data.identity === seedIdentity(seed) ? carried.data : null;
}

/** Display names are ≤ 200 characters without control characters. */
function displayNameFor(feed: string, key: string): string {
  // eslint-disable-next-line no-control-regex
  return `${feed}: ${key}`.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200);
}

/** Streams `seed` from S3 to `createDataset` and records the upload. */
export async function uploadSeed(
  input: UploadSeedInput,
  deps: UploadSeedDeps,
): Promise<UploadedDataset | UploadWaitOutcome> {
  const startedAt = deps.startedAt ?? Date.now();
  await loadFeedScenarios(deps.s3, { bucket: input.seed.bucket, feed: input.feed });
  const replaces = input.replacesDatasetId ?? null;
  let seedContent: CarriedSeedContent | undefined;
  const waitOutcome = (err: unknown): UploadWaitOutcome | null => {
    const vendorWait = nextVendorWait(err, input.vendorWait, deps.random);
    return vendorWait ? { vendorWait: { ...vendorWait, ...(seedContent ? { seedContent } : {}) } } : null;
  };
  if (deps.contents && !replaces) {
    const carried = carriedSeedContent(input);
    const sha256 = carried?.sha256 ?? (await hashSeed(deps.s3, input.seed));
    seedContent = { identity: seedIdentity(input.seed), sha256 };
    if (carried?.reusable === false) {
      seedContent = { ...seedContent, reusable: false };
    } else {
      try {
        const reused = await reuseIdenticalSeed(input, sha256, { ...deps, contents: deps.contents });
        if (reused) return reused;
        seedContent = { ...seedContent, reusable: false };
      } catch (err) {
        // The reuse check's getDataset was refused by the pacing or the vendor: wait outside.
        const waiting = waitOutcome(err);
        if (waiting) return waiting;
        throw err;
      }
    }
  }
  const idempotencyKey = datasetIdempotencyKey(input.seed, replaces);
  let created: CreateDatasetResult;
  try {
    created = await inPacingTurn(
      input.vendorWait,
      () =>
        deps.api.createDataset({
          seed: s3SeedSource(deps.s3, input.seed),
          idempotencyKey,
          displayName: displayNameFor(input.feed, input.seed.key),
          autoClean: true,
        }),
      { startedAt, retryCount: input.retryCount },
    );
  } catch (err) {
    const waiting = waitOutcome(err);
    if (waiting) return waiting;
    // The seed vanished or changed under us: retrying will not help, the user must drop it again.
    const unavailable = asSeedUnavailable(err, input.seed);
    if (unavailable)
      throw new InputValidationError(failure(unavailable.code, unavailable.message), { cause: err });
    throw err;
  }
  await deps.repo.recordSeedUpload({
    feed: input.feed,
    seed: input.seed,
    datasetId: created.dataset_id,
    jobId: created.job_id,
    requestId: created.request_id,
    idempotencyKey,
    replacesDatasetId: replaces,
    runId: input.runId,
  });
  await deps.repo.markRunRunning(input.runId, { datasetId: created.dataset_id });
  const completed = created.status === 'ready';
  if (!completed && !created.job_id) {
    throw new VendorTerminalError({
      ...failure('vendor_response_invalid', `createDataset answered "${created.status}" without a job_id.`, {
        dataset_id: created.dataset_id,
      }),
      request_id: created.request_id,
      operation: 'createDataset',
    });
  }
  // The feed's past trainings: read after createDataset accepted the upload, never by an attempt
  // that waits its turn (each re-run would read them again), and only for a job to poll.
  const estimate = completed
    ? null
    : await feedJobEstimate(deps.history, input.feed, 'training', input.seed.size, deps.now?.());
  return {
    datasetId: created.dataset_id,
    jobId: created.job_id,
    requestId: created.request_id,
    replacedDatasetId: replaces,
    poll: initialPollState(TRAINING_POLL_POLICY, {
      jobId: created.job_id,
      completed,
      estimate,
      size: input.seed.size,
      ...(deps.now ? { now: deps.now() } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    }),
  };
}

/** sha256 of the seed version's bytes; a seed gone or changed is the user's to drop again. */
async function hashSeed(s3: S3Client, seed: SeedObject): Promise<string> {
  try {
    return await seedContentSha256(s3, seed);
  } catch (err) {
    const unavailable = asSeedUnavailable(err, seed);
    if (unavailable)
      throw new InputValidationError(failure(unavailable.code, unavailable.message), { cause: err });
    throw err;
  }
}

/**
 * Same bytes as a seed whose dataset is still alive: no upload, the run goes on with that
 * dataset and is recorded as a duplicate (same day: with the earlier run's generation keys).
 */
async function reuseIdenticalSeed(
  input: UploadSeedInput,
  sha256: string,
  deps: UploadSeedDeps & { readonly contents: ContentLedger },
): Promise<UploadedDataset | null> {
  const now = deps.now?.() ?? new Date();
  const reusable = await findReusableDataset(deps, input.feed, sha256, now);
  const earlier = reusable?.earlier ?? null;
  const run = await deps.repo.getRunHeader(input.runId);
  // A re-drive reuses the dataset too, but keeps its own keys and is no duplicate.
  const redrive = Boolean(run?.redriveOf);
  const isDuplicate = earlier !== null && earlier.runId !== input.runId && !redrive;
  await deps.contents.noteRunContent(input.runId, {
    sha256,
    duplicateOf: isDuplicate ? earlier.runId : null,
    keyRunId: redrive
      ? (run?.keyRunId ?? null)
      : isDuplicate && earlier.keyDay === utcDay(now)
        ? earlier.keyRunId
        : null,
  });
  // `earlier` may be this very run (a Step Functions redrive of its execution): its live dataset
  // serves again, with no upload.
  if (!reusable || !earlier) return null;
  await deps.repo.markRunRunning(input.runId, { datasetId: earlier.datasetId });
  return {
    datasetId: earlier.datasetId,
    duplicateOf: isDuplicate ? earlier.runId : null,
    jobId: null,
    requestId: reusable.requestId,
    replacedDatasetId: null,
    poll: initialPollState(TRAINING_POLL_POLICY, { jobId: null, completed: true, now }),
  };
}
