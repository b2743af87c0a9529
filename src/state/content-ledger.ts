/**
 * Content-addressed seeds: which live dataset a feed's seed bytes (sha256) already trained, so
 * the same bytes dropped again (a new S3 version, a re-upload) buy no new training and no
 * generation already landed for the same scenarios and day.
 *
 * | item | pk | sk |
 * |---|---|---|
 * | seed content | `FEED#<feed>` | `CONTENT#<sha256>` |
 *
 * The run record gets `seedSha256`, and `duplicateOf` / `keyRunId` when it reuses an earlier
 * run's dataset and generation idempotency keys.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, recordOf } from './dynamo-items.ts';
import { RUN_SK, feedPk, runPk } from './records.ts';

/** The dataset a feed's seed content trained into. */
export interface SeedContentRecord {
  readonly feed: string;
  readonly sha256: string;
  readonly datasetId: string;
  /** The run that trained it. */
  readonly runId: string;
  /** The run whose generation idempotency keys its duplicates reuse on the same day. */
  readonly keyRunId: string;
  /** UTC day (YYYY-MM-DD) of `keyRunId`'s generations: duplicates on another day generate afresh. */
  readonly keyDay: string;
  readonly expiresAt: string | null;
  readonly recordedAt: string;
}

export const contentSk = (sha256: string): string => `CONTENT#${sha256}`;

export interface ContentLedgerOptions {
  readonly tableName: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly now?: () => Date;
}

export class ContentLedger {
  private readonly tableName: string;
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly now: () => Date;

  constructor(options: ContentLedgerOptions) {
    this.tableName = options.tableName;
    this.dynamo = options.dynamo;
    this.now = options.now ?? (() => new Date());
  }

  async find(feed: string, sha256: string): Promise<SeedContentRecord | null> {
    const out = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: feedPk(feed), sk: contentSk(sha256) } }),
    );
    return recordOf<SeedContentRecord>(out.Item);
  }

  /** Records (or refreshes) the dataset trained from `sha256`. */
  async record(entry: Omit<SeedContentRecord, 'recordedAt'>): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: feedPk(entry.feed),
          sk: contentSk(entry.sha256),
          ...entry,
          recordedAt: this.now().toISOString(),
        },
      }),
    );
  }

  /**
   * Notes the seed content of a run and, for a duplicate, the run it repeats. A run without a
   * record (an execution started by hand) is left alone.
   */
  async noteRunContent(
    runId: string,
    fields: { sha256: string; duplicateOf: string | null; keyRunId: string | null },
  ): Promise<void> {
    try {
      await this.update(runId, fields);
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  private async update(
    runId: string,
    fields: { sha256: string; duplicateOf: string | null; keyRunId: string | null },
  ): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: RUN_SK },
        UpdateExpression: 'SET seedSha256 = :sha, duplicateOf = :dup, keyRunId = :key, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':sha': fields.sha256,
          ':dup': fields.duplicateOf,
          ':key': fields.keyRunId,
          ':now': this.now().toISOString(),
        },
      }),
    );
  }
}
