/**
 * Sends pipeline events at least once. PutEvents takes 10 entries a call and may accept some
 * entries of a call while refusing others: only the refused ones are sent again (after a short
 * backoff), and every accepted id is reported through `onSent` (the last call's through
 * `onAllSent` when given) as soon as it is accepted, so a caller that persists them (the run
 * record) never re-sends an accepted event after a crash or a retried Task. What is still refused after the attempts fails the call (retryable).
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AwsRetryableError, failure } from '../contracts/state-errors.ts';
import { toEntry, type PipelineEvent } from './entries.ts';

/** PutEvents' limit of entries per call. */
export const PUT_EVENTS_BATCH = 10;

export interface PublishOptions {
  /** Ids already accepted earlier (e.g. recorded on the run): not sent again. */
  readonly alreadySent?: ReadonlySet<string> | readonly string[];
  /** Called with the ids each call accepted, before the next call. */
  readonly onSent?: (eventIds: readonly string[]) => Promise<void>;
  /**
   * Called in place of `onSent` for the call after which nothing is left to send, so the caller
   * can record those ids and its completion in one write. Not called when nothing was to be sent.
   */
  readonly onAllSent?: (eventIds: readonly string[]) => Promise<void>;
  /** Attempts per entry (default 3). */
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface PublishResult {
  /** Ids accepted by this call (not counting `alreadySent`). */
  readonly sent: readonly string[];
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `events` to `busName`; throws `AwsRetryableError` (`events_not_published`) if any stay refused. */
export async function publishEvents(
  client: EventBridgeClient,
  busName: string,
  events: readonly PipelineEvent[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const skip = new Set(options.alreadySent ?? []);
  let pending = events.filter((event) => !skip.has(event.detail.eventId));
  const sent: string[] = [];
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? defaultSleep;
  let refusals: string[] = [];
  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await sleep(100 * 2 ** (attempt - 2));
    const refused: PipelineEvent[] = [];
    refusals = [];
    for (let i = 0; i < pending.length; i += PUT_EVENTS_BATCH) {
      const batch = pending.slice(i, i + PUT_EVENTS_BATCH);
      const out = await client.send(
        new PutEventsCommand({ Entries: batch.map((event) => toEntry(busName, event)) }),
      );
      const accepted: string[] = [];
      batch.forEach((event, index) => {
        const result = out.Entries?.[index];
        if (result?.EventId && !result.ErrorCode) accepted.push(event.detail.eventId);
        else {
          refused.push(event);
          refusals.push(`${event.detailType}: ${result?.ErrorCode ?? 'no result'}`);
        }
      });
      if (accepted.length > 0) {
        sent.push(...accepted);
        const last = refused.length === 0 && i + PUT_EVENTS_BATCH >= pending.length;
        await (last && options.onAllSent ? options.onAllSent(accepted) : options.onSent?.(accepted));
      }
    }
    pending = refused;
  }
  if (pending.length > 0) {
    throw new AwsRetryableError(
      failure(
        'events_not_published',
        `EventBridge refused ${pending.length} event(s) after ${maxAttempts} attempts (${refusals.join(', ')}); the retry sends only these.`,
      ),
    );
  }
  return { sent };
}
