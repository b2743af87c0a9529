/**
 * The feed's past vendor jobs, per kind (`FEED#<feed>` / `JOBS#training|generation`): the last
 * {@link JOB_HISTORY_LIMIT} durations, as a ring of slots filled in completion order. Appending
 * is two UpdateItems and no read: an atomic counter picks the slot, so jobs of the same feed that
 * finish together (a run's scenarios) never overwrite each other, and the item stays bounded.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  JOB_HISTORY_LIMIT,
  jobDurationSampleSchema,
  type JobDurationSample,
  type JobKind,
} from '../pipeline/job-estimate.ts';
import { feedPk } from './records.ts';

export const jobHistorySk = (kind: JobKind): string => `JOBS#${kind}`;

export interface JobHistoryOptions {
  readonly tableName: string;
  readonly dynamo: DynamoDBDocumentClient;
  /** Samples kept per feed and kind (default {@link JOB_HISTORY_LIMIT}). */
  readonly limit?: number;
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
    const samples: JobDurationSample[] = [];
    // Items written by another version may hold what this one cannot read: skipped, not fatal.
    for (const slot of slots) {
      const parsed = jobDurationSampleSchema.safeParse(slot);
      if (parsed.success) samples.push(parsed.data);
    }
    return samples.slice(-this.limit);
  }

  /** Appends one finished job, replacing the oldest once the ring is full. */
  async record(feed: string, kind: JobKind, sample: JobDurationSample): Promise<void> {
    const key = { pk: feedPk(feed), sk: jobHistorySk(kind) };
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
        ExpressionAttributeNames: { '#slot': `s${seq % this.limit}` },
        ExpressionAttributeValues: { ':sample': { ...sample, seq } },
      }),
    );
  }
}
