/**
 * The EventBridge events a finished run emits. Consumers match on `source` and `detail-type`;
 * details carry ids and S3 keys (never URLs, tokens or rows) and `runId` for de-duplication.
 */
import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { AwsRetryableError, failure } from '../../lambdas/commons/errors.ts';
import type { RunFailure, RunKind, RunOutput } from '../state/records.ts';
import type { SeedObject } from './seed-object.ts';

export const EVENT_SOURCE = 'simulacra.pipeline';
export const PUBLISHED_DETAIL_TYPE = 'Synthetic Dataset Published';
export const FAILED_DETAIL_TYPE = 'Synthetic Dataset Failed';

/** Detail of "Synthetic Dataset Published": one event per landed scenario. */
export interface PublishedDetail extends RunOutput {
  readonly runId: string;
  readonly kind: RunKind;
  readonly feed: string;
  readonly datasetId: string | null;
  readonly seed: Pick<SeedObject, 'bucket' | 'key' | 'versionId'> | null;
}

/** Detail of "Synthetic Dataset Failed": one event per failed run. */
export interface FailedDetail extends RunFailure {
  readonly runId: string;
  readonly kind: RunKind;
  readonly feed: string | null;
  readonly executionArn: string | null;
  readonly seed: Pick<SeedObject, 'bucket' | 'key' | 'versionId'> | null;
}

function seedRef(seed: SeedObject | null | undefined): PublishedDetail['seed'] {
  return seed ? { bucket: seed.bucket, key: seed.key, versionId: seed.versionId } : null;
}

export function publishedEntries(
  busName: string,
  run: { runId: string; kind: RunKind; feed: string; datasetId: string | null; seed?: SeedObject | null },
  outputs: readonly RunOutput[],
): PutEventsRequestEntry[] {
  return outputs.map((output) => {
    const detail: PublishedDetail = {
      runId: run.runId,
      kind: run.kind,
      feed: run.feed,
      datasetId: run.datasetId,
      seed: seedRef(run.seed),
      ...output,
    };
    return {
      EventBusName: busName,
      Source: EVENT_SOURCE,
      DetailType: PUBLISHED_DETAIL_TYPE,
      Resources: [],
      Detail: JSON.stringify(detail),
    };
  });
}

export function failedEntry(
  busName: string,
  run: {
    runId: string;
    kind: RunKind;
    feed: string | null;
    executionArn: string | null;
    seed?: SeedObject | null;
  },
  runFailure: RunFailure,
): PutEventsRequestEntry {
  const detail: FailedDetail = {
    runId: run.runId,
    kind: run.kind,
    feed: run.feed,
    executionArn: run.executionArn,
    seed: seedRef(run.seed),
    ...runFailure,
  };
  return {
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: FAILED_DETAIL_TYPE,
    Resources: run.executionArn ? [run.executionArn] : [],
    Detail: JSON.stringify(detail),
  };
}

/** Sends entries in batches of 10; any rejected entry fails the call so the Task retries. */
export async function putEvents(
  client: EventBridgeClient,
  entries: readonly PutEventsRequestEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    const out = await client.send(new PutEventsCommand({ Entries: batch }));
    if ((out.FailedEntryCount ?? 0) > 0) {
      const codes = (out.Entries ?? []).map((e) => e.ErrorCode).filter(Boolean);
      throw new AwsRetryableError(
        failure(
          'events_not_published',
          `EventBridge rejected ${out.FailedEntryCount} event(s): ${codes.join(', ')}`,
        ),
      );
    }
  }
}
