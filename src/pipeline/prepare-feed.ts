/**
 * First step of a scheduled generation: make sure the feed has a live vendor dataset. Reuse
 * the current one while it is alive (a GET slides its expiry; extend it when it is close to
 * expiring), otherwise re-upload the feed's latest trained seed and let the state machine wait
 * for training again. A feed that never trained a seed has nothing to generate from: a
 * scheduled run is skipped (recorded as SKIPPED, not a failure: the schedule fired before the
 * first seed landed), a run started by hand fails with `feed_not_ready` and what to do.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  InputValidationError,
  VendorPacedError,
  VendorRetryableError,
  failure,
} from '../contracts/state-errors.ts';
import type { Dataset, SimulacraApi } from '../client/contract.ts';
import { SimulacraApiError } from '../client/errors.ts';
import type { RunSkip } from '../state/records.ts';
import type { StateRepository } from '../state/repository.ts';
import type { JobHistoryReader } from './job-estimate.ts';
import { initialPollState, TRAINING_POLL_POLICY } from './polling.ts';
import type { SeedObject } from './seed-object.ts';
import { uploadSeed, type UploadedDataset } from './upload-seed.ts';
import { isVendorWait } from './vendor-wait.ts';

/** The code of a generation for a feed that has not trained a seed yet. */
export const FEED_NOT_READY = 'feed_not_ready';

/** Extend the dataset when fewer than this many ms remain after the GET. */
export const EXTEND_WHEN_REMAINING_BELOW_MS = 6 * 60 * 60 * 1000;
/** Re-train rather than reuse when the dataset (at its 7-day cap) has less than this left. */
export const MIN_USABLE_REMAINING_MS = 60 * 60 * 1000;

export interface PrepareFeedInput {
  readonly runId: string;
  readonly feed: string;
  readonly executionArn?: string | null;
  /** Scenario names the run asked for; empty or absent: every scenario of the feed. */
  readonly scenarios?: readonly string[] | null;
  /** The schedule slot (`<aws.scheduler.scheduled-time>`) of a scheduled run; null when started by hand. */
  readonly slot?: string | null;
}

/**
 * Replaces the execution state, so it carries the run's identity and request on to
 * ResolveScenarios and RecordRun.
 */
export interface PreparedFeed {
  readonly runId: string;
  readonly feed: string;
  readonly scenarios: readonly string[];
  readonly seed: SeedObject;
  readonly dataset: UploadedDataset & { readonly reused: boolean };
  /** Where ResolveScenarios puts the scenarios (or its wait): no wait yet. */
  readonly results: { readonly vendorWait: null };
}

/** A scheduled run with nothing to generate from: the state machine records it as SKIPPED. */
export interface SkippedFeed {
  readonly runId: string;
  readonly feed: string;
  readonly scenarios: readonly string[];
  readonly skipped: RunSkip;
}

/** Did preparation skip the run (rather than prepare a dataset)? */
export function isSkipped(prepared: PreparedFeed | SkippedFeed): prepared is SkippedFeed {
  return 'skipped' in prepared;
}

export interface PrepareFeedDeps {
  readonly api: SimulacraApi;
  readonly s3: S3Client;
  readonly repo: StateRepository;
  /** The feed's past trainings (a re-training places its first poll from them). */
  readonly history?: JobHistoryReader;
  readonly now?: () => Date;
  readonly random?: () => number;
}

function isCode(err: unknown, status: number, code: string): boolean {
  return err instanceof SimulacraApiError && err.status === status && err.code === code;
}

/**
 * Returns the live dataset to generate from, re-uploading the latest seed when needed, or, for a
 * scheduled run of a feed that has none yet, why the run is skipped.
 */
export async function prepareFeed(
  input: PrepareFeedInput,
  deps: PrepareFeedDeps,
): Promise<PreparedFeed | SkippedFeed> {
  const now = (): Date => deps.now?.() ?? new Date();
  const feed = await deps.repo.getFeed(input.feed);
  if (!feed?.latestSeed) {
    const reason = `Feed "${input.feed}" has no trained seed yet; drop a seed at seeds/${input.feed}/<file>.csv and wait for its ingest run to succeed.`;
    if (input.slot) {
      return {
        runId: input.runId,
        feed: input.feed,
        scenarios: input.scenarios ?? [],
        skipped: { code: FEED_NOT_READY, reason },
      };
    }
    throw new InputValidationError(failure(FEED_NOT_READY, reason));
  }
  const seed = feed.latestSeed;
  const resumedFrom = await startOrResumeRun(input, seed, feed.datasetId ?? null, deps.repo);
  const identity = { runId: input.runId, feed: input.feed, scenarios: input.scenarios ?? [] };
  const results = { vendorWait: null };

  // A run started again (a scheduled slot retried) keeps the dataset it started with while that
  // one lives, even when the feed has a newer dataset by now: the generation Idempotency-Keys
  // derive from the dataset, so only then does the retry replay instead of generating again.
  const candidates = [
    ...(resumedFrom && resumedFrom.datasetId !== feed.datasetId ? [resumedFrom] : []),
    ...(feed.datasetId ? [{ datasetId: feed.datasetId, seed }] : []),
  ];
  for (const candidate of candidates) {
    const live = await liveDataset(deps, candidate.datasetId, now);
    if (live) {
      await deps.repo.updateDatasetExpiry(input.feed, live.dataset_id, live.expires_at);
      return {
        ...identity,
        seed: candidate.seed,
        results,
        dataset: {
          datasetId: live.dataset_id,
          jobId: null,
          requestId: live.request_id,
          replacedDatasetId: null,
          reused: true,
          poll: initialPollState(TRAINING_POLL_POLICY, { jobId: null, completed: true, now: now() }),
        },
      };
    }
  }

  const uploaded = await uploadSeed(
    { runId: input.runId, feed: input.feed, seed, replacesDatasetId: feed.datasetId ?? null },
    deps,
  );
  if (isVendorWait(uploaded)) {
    // The whole step runs again under the Retry policy: it re-reads the feed before uploading.
    const { seconds, operation, reason } = uploaded.vendorWait;
    if (reason === 'paced') {
      throw new VendorPacedError(
        failure('vendor_paced', `${operation} has to wait ${seconds} s for its turn in the shared pacing.`),
      );
    }
    throw new VendorRetryableError(
      failure('vendor_throttled', `${operation} has to wait ${seconds} s for the vendor's rate limit.`),
    );
  }
  return { ...identity, seed, results, dataset: { ...uploaded, reused: false } };
}

/**
 * Creates the run record, or re-uses the one a previous execution of the same run id (a
 * scheduled slot started twice) wrote: a FAILED or SKIPPED one is reopened so this execution can finish
 * it; a RUNNING or SUCCEEDED one is left as is, and every later step replays idempotently.
 * Returns the dataset and seed an earlier execution of the run used, or null.
 */
async function startOrResumeRun(
  input: PrepareFeedInput,
  seed: SeedObject,
  datasetId: string | null,
  repo: StateRepository,
): Promise<{ datasetId: string; seed: SeedObject } | null> {
  const executionArn = input.executionArn ?? null;
  const { created, run } = await repo.createRun({
    runId: input.runId,
    kind: 'generate',
    feed: input.feed,
    status: 'RUNNING',
    seed,
    executionArn,
    datasetId,
  });
  // A slot that failed, or was skipped before the feed had a dataset, runs again from the start.
  if (!created && (run.status === 'FAILED' || run.status === 'SKIPPED')) {
    await repo.reopenFailedRun(input.runId, { executionArn });
  }
  return !created && run.datasetId ? { datasetId: run.datasetId, seed: run.seed ?? seed } : null;
}

/**
 * The dataset if it can serve this run: GET (which slides its expiry), then extend when close
 * to expiring. Null when it is gone (404) or capped with too little time left.
 */
async function liveDataset(
  deps: PrepareFeedDeps,
  datasetId: string,
  now: () => Date,
): Promise<Dataset | null> {
  let dataset: Dataset;
  try {
    dataset = await deps.api.getDataset(datasetId);
  } catch (err) {
    if (isCode(err, 404, 'simio_dataset_not_found')) return null;
    throw err;
  }
  const remaining = Date.parse(dataset.expires_at) - now().getTime();
  if (remaining >= EXTEND_WHEN_REMAINING_BELOW_MS) return dataset;
  try {
    return await deps.api.extendDatasetRetention(datasetId);
  } catch (err) {
    if (isCode(err, 404, 'simio_dataset_not_found')) return null;
    if (isCode(err, 409, 'simio_extend_cap_exceeded')) {
      return remaining >= MIN_USABLE_REMAINING_MS ? dataset : null;
    }
    throw err;
  }
}
