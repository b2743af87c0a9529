/**
 * Turns an S3 "Object Created" event for the seed bucket into one ingest execution: refuses
 * what is not a seed (recording why and tagging the object), ignores scenario files, and starts
 * the state machine under a deterministic name so a duplicate event is a no-op.
 */
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag,
} from '@aws-sdk/client-s3';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from '../contracts/zod.ts';
import { InputValidationError, failure } from '../contracts/state-errors.ts';
import { seedAcceptedEvent, seedRejectedEvent, type PipelineEvent } from '../events/entries.ts';
import { publishEvents } from '../events/publish.ts';
import type { StateRepository } from '../state/repository.ts';
import { classifySeedKey, ingestExecutionName, type SeedObject, type SeedRejection } from './seed-object.ts';
import { describeSeedVersion, isMissingObjectVersion } from './s3-seed-source.ts';

/** The EventBridge "Object Created" event S3 sends (only the fields the pipeline reads). */
export const objectCreatedEventSchema = z.object({
  'detail-type': z.literal('Object Created'),
  source: z.literal('aws.s3'),
  id: z.string(),
  time: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(1)) }),
    object: z.object({
      key: z.string().check(z.minLength(1)),
      size: z.optional(z.number().check(z.int(), z.nonnegative())),
      etag: z.optional(z.string()),
      'version-id': z.optional(z.string()),
      sequencer: z.optional(z.string()),
    }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof objectCreatedEventSchema>;

/** The ingest state machine's input. `runId` is the execution name (`$$.Execution.Name`). */
export interface IngestExecutionInput {
  readonly feed: string;
  readonly seed: SeedObject;
}

/** Starts an execution; resolves `duplicate` when one with that name already exists. */
export type StartExecutionFn = (request: {
  name: string;
  input: IngestExecutionInput;
}) => Promise<{ status: 'started'; executionArn: string } | { status: 'duplicate' }>;

export interface StartIngestDeps {
  readonly s3: S3Client;
  readonly repo: StateRepository;
  readonly startExecution: StartExecutionFn;
  /** The bucket seeds are dropped in; events for other buckets are a wiring mistake. */
  readonly seedBucket: string;
  /** Where "Seed Accepted" / "Seed Rejected" go (at least once; a duplicate S3 event re-sends the same id). */
  readonly events: { readonly client: EventBridgeClient; readonly busName: string };
  readonly now?: () => Date;
}

export type StartIngestOutcome =
  | { readonly outcome: 'started'; readonly runId: string; readonly executionArn: string }
  | { readonly outcome: 'duplicate'; readonly runId: string }
  | { readonly outcome: 'rejected'; readonly runId: string; readonly code: string; readonly reason: string }
  | { readonly outcome: 'ignored'; readonly reason: string };

/** Tag set on refused objects (the object itself is never deleted). */
export const REJECTED_TAG = { key: 'simulacra:status', value: 'rejected' } as const;
export const REJECTED_REASON_TAG_KEY = 'simulacra:reason';

interface HeadResult {
  readonly key: string;
  readonly size: number;
  readonly etag: string | null;
  readonly versionId: string | null;
}

/** Processes one event. */
export async function startIngest(
  event: ObjectCreatedEvent,
  deps: StartIngestDeps,
): Promise<StartIngestOutcome> {
  const bucket = event.detail.bucket.name;
  if (bucket !== deps.seedBucket) {
    throw new InputValidationError(
      failure(
        'wrong_bucket',
        `Event for bucket "${bucket}" reached start-ingest, which serves "${deps.seedBucket}"; fix the EventBridge rule.`,
      ),
    );
  }
  const object = event.detail.object;
  const head = await headObject(deps.s3, bucket, object.key, object['version-id'] ?? null);
  const seed: SeedObject = {
    bucket,
    key: head?.key ?? object.key,
    versionId: head?.versionId ?? object['version-id'] ?? null,
    etag: head?.etag ?? object.etag ?? null,
    size: head?.size ?? object.size ?? 0,
    eventTime: event.time,
  };
  const runId = ingestExecutionName(null, seed);

  if (!head) {
    const rejection: SeedRejection = {
      code: 'object_missing',
      reason: `${describeSeedVersion({ bucket, key: object.key, versionId: seed.versionId })} no longer exists (deleted or overwritten before it could be read); drop it again.`,
    };
    await deps.repo.createRun({ runId, kind: 'ingest', feed: null, status: 'REJECTED', seed, rejection });
    await announce(
      deps,
      seedRejectedEvent({ runId, feed: null, folder: null, seed, rejection, at: now(deps) }),
    );
    return { outcome: 'rejected', runId, code: rejection.code, reason: rejection.reason };
  }

  const classified = classifySeedKey(seed.key, seed.size);
  if (classified.kind === 'scenario-file') {
    return { outcome: 'ignored', reason: `scenario file for feed "${classified.feed}" (not a seed)` };
  }
  const feed = classified.kind === 'seed' ? classified.seed.feed : classified.feed;
  const namedRunId = ingestExecutionName(feed, seed);

  if (classified.kind === 'rejected') {
    const { rejection } = classified;
    const folder = classified.folder ?? feed;
    await deps.repo.createRun({
      runId: namedRunId,
      kind: 'ingest',
      feed,
      status: 'REJECTED',
      seed,
      rejection,
      folder,
    });
    await tagRejected(deps.s3, seed, rejection.code);
    await announce(
      deps,
      seedRejectedEvent({ runId: namedRunId, feed, folder, seed, rejection, at: now(deps) }),
    );
    return { outcome: 'rejected', runId: namedRunId, code: rejection.code, reason: rejection.reason };
  }

  await deps.repo.createRun({
    runId: namedRunId,
    kind: 'ingest',
    feed: classified.seed.feed,
    status: 'QUEUED',
    seed,
  });
  await deps.repo.recordSeedReceived(classified.seed.feed, seed);
  const started = await deps.startExecution({
    name: namedRunId,
    input: { feed: classified.seed.feed, seed },
  });
  // A duplicate (the execution already existed) announces again under the same event id, in
  // case the first delivery's handler stopped before its event went out.
  await announce(
    deps,
    seedAcceptedEvent({
      runId: namedRunId,
      feed: classified.seed.feed,
      seed,
      executionArn: started.status === 'started' ? started.executionArn : null,
      at: now(deps),
    }),
  );
  return started.status === 'started'
    ? { outcome: 'started', runId: namedRunId, executionArn: started.executionArn }
    : { outcome: 'duplicate', runId: namedRunId };
}

function now(deps: StartIngestDeps): string {
  return (deps.now?.() ?? new Date()).toISOString();
}

async function announce(deps: StartIngestDeps, event: PipelineEvent): Promise<void> {
  await publishEvents(deps.events.client, deps.events.busName, [event]);
}

/**
 * HeadObject of the event's object version. EventBridge may deliver keys URL-encoded (as S3
 * notifications do), so a miss on the raw key retries the decoded key. Null when it is gone.
 */
async function headObject(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: string | null,
): Promise<HeadResult | null> {
  const candidates = [key];
  const decoded = safeDecode(key);
  if (decoded !== key) candidates.push(decoded);
  for (const candidate of candidates) {
    try {
      const out = await s3.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: candidate,
          ...(versionId ? { VersionId: versionId } : {}),
        }),
      );
      return {
        key: candidate,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? null,
        versionId: out.VersionId ?? versionId,
      };
    } catch (err) {
      if (isMissingObjectVersion(err, versionId)) continue;
      throw err;
    }
  }
  return null;
}

function safeDecode(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** Adds the rejection tags to the object version, keeping its other tags (S3 allows 10). */
async function tagRejected(s3: S3Client, seed: SeedObject, code: string): Promise<void> {
  const target = {
    Bucket: seed.bucket,
    Key: seed.key,
    ...(seed.versionId ? { VersionId: seed.versionId } : {}),
  };
  const existing = await s3.send(new GetObjectTaggingCommand(target));
  const ours: Tag[] = [
    { Key: REJECTED_TAG.key, Value: REJECTED_TAG.value },
    { Key: REJECTED_REASON_TAG_KEY, Value: code },
  ];
  const kept = (existing.TagSet ?? []).filter((tag) => !ours.some((own) => own.Key === tag.Key));
  await s3.send(
    new PutObjectTaggingCommand({
      ...target,
      Tagging: { TagSet: [...kept.slice(0, 10 - ours.length), ...ours] },
    }),
  );
}
