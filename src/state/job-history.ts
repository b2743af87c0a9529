/**
 * The feed's past vendor jobs, per kind (`FEED#<feed>` / `JOBS#training|generation`): the last
 * {@link JOB_HISTORY_LIMIT} durations, as a ring of slots filled in completion order. A counter
 * (`seq`) picks the slot, so jobs of the same feed that finish together (a run's scenarios) never
 * overwrite each other, and the item stays bounded. Appending is one UpdateItem conditional on the
 * counter the writer expects (none for a new feed, else the one this container wrote last); a
 * write that loses returns the item (`ALL_OLD`) and the next goes on from its counter. After a few
 * lost races, or without the item back: two UpdateItems (an atomic `ADD seq`, then the slot).
 *
 * The deployment prior (`DEPLOYMENT` / `JOBS#training|generation`): the latest job of each feed,
 * in one of {@link JOB_PRIOR_SLOTS} top-level attributes picked by a hash of the feed name, so a
 * busy feed does not crowd out the others and the item stays bounded (a few KB). Recording is one
 * UpdateItem with no read and no condition (a SET of a top-level attribute also creates the item);
 * reading projects only those slots, so anything else an item holds is never transferred.
 */
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  JOB_HISTORY_LIMIT,
  jobDurationSampleSchema,
  type JobDurationSample,
  type JobKind,
} from '../pipeline/job-estimate.ts';
import { isConditionFailure, lostItemNumber } from './dynamo-items.ts';
import { feedPk } from './records.ts';

export const jobHistorySk = (kind: JobKind): string => `JOBS#${kind}`;

/** Partition of the deployment-wide items (the job prior). */
export const DEPLOYMENT_PK = 'DEPLOYMENT';
/** Feeds' latest jobs kept in the deployment prior, per kind (at most one per slot). */
export const JOB_PRIOR_SLOTS = 32;
const priorSlotNames = Array.from({ length: JOB_PRIOR_SLOTS }, (_, i) => `slot${String(i).padStart(2, '0')}`);

/** The prior's slot of a feed: stable across containers and versions. */
export function jobPriorSlot(feed: string): string {
  const hash = createHash('sha256').update(feed).digest().readUInt32BE(0);
  return priorSlotNames[hash % JOB_PRIOR_SLOTS] as string;
}

export interface JobHistoryOptions {
  readonly tableName: string;
  readonly dynamo: DynamoDBDocumentClient;
  /** Samples kept per feed and kind (default {@link JOB_HISTORY_LIMIT}). */
  readonly limit?: number;
}

/** Conditional appends tried before the counter-then-slot append (which always lands). */
const APPEND_RACES = 4;
/** Feeds whose last counter a container remembers (the oldest is forgotten first). */
const REMEMBERED_COUNTERS = 1000;

/** `seq` of the item a lost conditional write returned, when it is a counter. */
function counterOf(err: unknown): number | undefined {
  const seq = lostItemNumber(err, 'seq');
  return seq !== undefined && Number.isInteger(seq) && seq >= 0 ? seq : undefined;
}

interface HistoryItem {
  readonly seq?: number;
  readonly samples?: Readonly<Record<string, { readonly seq?: number } & Record<string, unknown>>>;
}

/** Reads and appends job durations of feeds. */
export class JobHistory {
  private readonly tableName: string;
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly limit: number;
  /** The counter this container last wrote per item: the guess for its next append. */
  private readonly counters = new Map<string, number>();

  constructor(options: JobHistoryOptions) {
    this.tableName = options.tableName;
    this.dynamo = options.dynamo;
    this.limit = options.limit ?? JOB_HISTORY_LIMIT;
  }

  /** The feed's recorded jobs of `kind`, oldest first (empty for a new feed). */
  async recent(feed: string, kind: JobKind): Promise<JobDurationSample[]> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: feedPk(feed), sk: jobHistorySk(kind) } }),
    );
    const item = out.Item as HistoryItem | undefined;
    const slots = Object.values(item?.samples ?? {}).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
    return readableSamples(slots).slice(-this.limit);
  }

  /** The latest job of `kind` of each feed that shares the deployment's prior, oldest first. */
  async deploymentRecent(kind: JobKind): Promise<JobDurationSample[]> {
    const names = Object.fromEntries(priorSlotNames.map((name, i) => [`#s${i}`, name]));
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: DEPLOYMENT_PK, sk: jobHistorySk(kind) },
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
      }),
    );
    const samples = readableSamples(Object.values(out.Item ?? {}));
    return samples.sort((a, b) => Date.parse(a.completedAt) - Date.parse(b.completedAt));
  }

  /** Appends one finished job, replacing the oldest once the ring is full. */
  async record(feed: string, kind: JobKind, finished: JobDurationSample): Promise<void> {
    const sample = jobDurationSampleSchema.parse(finished);
    const key = { pk: feedPk(feed), sk: jobHistorySk(kind) };
    const remembered = `${key.pk}\n${key.sk}`;
    let expected: number | undefined = this.counters.get(remembered) ?? 0;
    for (let race = 0; race < APPEND_RACES && expected !== undefined; race += 1) {
      const seq = expected + 1;
      try {
        await this.dynamo.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            // A new feed's item is written whole; otherwise only the counter's slot.
            UpdateExpression: `SET ${expected === 0 ? 'samples = :samples' : 'samples.#slot = :sample'}, seq = :seq, feed = :feed, #kind = :kind`,
            ConditionExpression: expected === 0 ? 'attribute_not_exists(seq)' : 'seq = :expected',
            ExpressionAttributeNames: {
              '#kind': 'kind',
              ...(expected === 0 ? {} : { '#slot': this.slot(seq) }),
            },
            ExpressionAttributeValues: {
              ...(expected === 0
                ? { ':samples': { [this.slot(seq)]: { ...sample, seq } } }
                : { ':sample': { ...sample, seq }, ':expected': expected }),
              ':seq': seq,
              ':feed': feed,
              ':kind': kind,
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        this.remember(remembered, seq);
        return;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // No item back: none there (a remembered counter of a deleted item), or not returned.
        expected = counterOf(err) ?? (expected === 0 ? undefined : 0);
      }
    }
    this.remember(remembered, await this.appendByCounter(key, feed, kind, sample));
  }

  private slot(seq: number): string {
    return `s${seq % this.limit}`;
  }

  private remember(item: string, seq: number): void {
    this.counters.delete(item);
    this.counters.set(item, seq);
    if (this.counters.size > REMEMBERED_COUNTERS)
      this.counters.delete(this.counters.keys().next().value as string);
  }

  /** Two writes that always land: an atomic `ADD seq` picks the slot, then the slot is set. */
  private async appendByCounter(
    key: { pk: string; sk: string },
    feed: string,
    kind: JobKind,
    sample: JobDurationSample,
  ): Promise<number> {
    const counted = await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression:
          'SET samples = if_not_exists(samples, :empty), feed = :feed, #kind = :kind ADD seq :one',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':empty': {}, ':feed': feed, ':kind': kind, ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Number((counted.Attributes as HistoryItem | undefined)?.seq ?? 1);
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET samples.#slot = :sample',
        ExpressionAttributeNames: { '#slot': this.slot(seq) },
        ExpressionAttributeValues: { ':sample': { ...sample, seq } },
      }),
    );
    return seq;
  }

  /** Makes `feed`'s finished job its latest in the deployment prior (one UpdateItem). */
  async recordForDeployment(feed: string, kind: JobKind, finished: JobDurationSample): Promise<void> {
    const sample = jobDurationSampleSchema.parse(finished);
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: DEPLOYMENT_PK, sk: jobHistorySk(kind) },
        UpdateExpression: 'SET #slot = :sample, #kind = :kind',
        ExpressionAttributeNames: { '#slot': jobPriorSlot(feed), '#kind': 'kind' },
        ExpressionAttributeValues: { ':sample': { ...sample, feed }, ':kind': kind },
      }),
    );
  }
}

/** The slots that hold a sample this version reads; anything else (another version's) is skipped. */
function readableSamples(slots: readonly unknown[]): JobDurationSample[] {
  const samples: JobDurationSample[] = [];
  for (const slot of slots) {
    const parsed = jobDurationSampleSchema.safeParse(slot);
    if (parsed.success) samples.push(parsed.data);
  }
  return samples;
}
