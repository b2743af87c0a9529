/**
 * Feeds and seed uploads in the state table: the feed's last received seed and current dataset
 * (newest seed wins, whatever order the events arrive in), and which vendor dataset each upload
 * of a seed version created. Every write that could race is conditional.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { seedIdentity, sha256Hex, type SeedObject } from '../pipeline/seed-object.ts';
import { isConditionFailure, recordOf } from './dynamo-items.ts';
import { FEED_SK, feedPk, seedSk, type FeedRecord, type SeedUploadRecord } from './records.ts';

export interface StateStoreOptions {
  readonly tableName: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly now?: () => Date;
}

/** Reads and writes feeds and seed uploads. */
export class FeedStore {
  private readonly tableName: string;
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly now: () => Date;

  constructor(options: StateStoreOptions) {
    this.tableName = options.tableName;
    this.dynamo = options.dynamo;
    this.now = options.now ?? (() => new Date());
  }

  private iso(): string {
    return this.now().toISOString();
  }

  async getFeed(feed: string): Promise<FeedRecord | null> {
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: feedPk(feed), sk: FEED_SK },
        ConsistentRead: true,
      }),
    );
    return recordOf<FeedRecord>(out.Item);
  }

  /**
   * Notes a dropped seed as the feed's last received one, unless a later seed (by event time)
   * is already recorded. Returns false when this seed is older than the recorded one.
   */
  async recordSeedReceived(feed: string, seed: SeedObject): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: feedPk(feed), sk: FEED_SK },
          UpdateExpression: 'SET feed = :feed, lastReceivedSeed = :seed, updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(lastReceivedSeed) OR lastReceivedSeed.eventTime <= :t',
          ExpressionAttributeValues: {
            ':feed': feed,
            ':seed': seed,
            ':now': this.iso(),
            ':t': seed.eventTime,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Makes `datasetId` (trained from `seed`) the feed's current dataset, unless the feed already
   * has a dataset from a later seed. Returns false when a newer seed's dataset won.
   */
  async recordDatasetReady(input: {
    feed: string;
    seed: SeedObject;
    datasetId: string;
    createdAt: string | null;
    expiresAt: string | null;
    schemaFingerprint: string;
    runId: string;
  }): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: feedPk(input.feed), sk: FEED_SK },
          UpdateExpression:
            'SET feed = :feed, latestSeed = :seed, datasetId = :ds, datasetCreatedAt = :created, ' +
            'datasetExpiresAt = :expires, schemaFingerprint = :fp, lastRunId = :run, updatedAt = :now',
          ConditionExpression: 'attribute_not_exists(latestSeed) OR latestSeed.eventTime <= :t',
          ExpressionAttributeValues: {
            ':feed': input.feed,
            ':seed': input.seed,
            ':ds': input.datasetId,
            ':created': input.createdAt,
            ':expires': input.expiresAt,
            ':fp': input.schemaFingerprint,
            ':run': input.runId,
            ':now': this.iso(),
            ':t': input.seed.eventTime,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Updates the feed's dataset expiry, only while `datasetId` is still the feed's dataset. */
  async updateDatasetExpiry(feed: string, datasetId: string, expiresAt: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: feedPk(feed), sk: FEED_SK },
          UpdateExpression: 'SET datasetExpiresAt = :expires, updatedAt = :now',
          ConditionExpression: 'datasetId = :ds',
          ExpressionAttributeValues: { ':expires': expiresAt, ':now': this.iso(), ':ds': datasetId },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // seed uploads

  /** Records (idempotently) which vendor dataset an upload of `seed` created. */
  async recordSeedUpload(record: Omit<SeedUploadRecord, 'uploadedAt'>): Promise<SeedUploadRecord> {
    const item: SeedUploadRecord = { ...record, uploadedAt: this.iso() };
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: feedPk(record.feed),
          sk: seedSk(sha256Hex(`${seedIdentity(record.seed)}#${record.replacesDatasetId ?? ''}`)),
          ...item,
        },
      }),
    );
    return item;
  }

  /** The upload record of a seed version, if it was uploaded. */
  async getSeedUpload(
    feed: string,
    seed: SeedObject,
    replacesDatasetId: string | null = null,
  ): Promise<SeedUploadRecord | null> {
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: feedPk(feed), sk: seedSk(sha256Hex(`${seedIdentity(seed)}#${replacesDatasetId ?? ''}`)) },
        ConsistentRead: true,
      }),
    );
    return recordOf<SeedUploadRecord>(out.Item);
  }
}
