/**
 * The pipeline's DynamoDB repository: runs (record, per-feed index, outcome, events marker) here,
 * feeds and seed uploads in feed-store.ts, scenario outcomes in scenario-outcomes.ts. Every write
 * that could race (duplicate events, Step Functions retries, out-of-order seeds) is a conditional
 * update, so replays are harmless.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { SeedObject } from '../pipeline/seed-object.ts';
import { isConditionFailure, recordOf, withoutKeys } from './dynamo-items.ts';
import { FeedStore, type StateStoreOptions } from './feed-store.ts';
import {
  RUN_SK,
  feedPk,
  runIndexSk,
  runPk,
  type FinishedRunStatus,
  type RunFailure,
  type RunIndexEntry,
  type RunKind,
  type RunOutput,
  type RunRecord,
  type RunSkip,
  type RunStatus,
  type ScenarioRejection,
} from './records.ts';
import { ScenarioOutcomeStore, runFromItems } from './scenario-outcomes.ts';

/** A run cannot move to the requested status (it already finished differently). */
export class RunTransitionError extends Error {
  override readonly name = 'RunTransitionError';
  readonly runId: string;
  readonly currentStatus: RunStatus | null;
  constructor(runId: string, target: RunStatus, currentStatus: RunStatus | null) {
    super(`Run ${runId} cannot become ${target}: it is ${currentStatus ?? 'missing'}.`);
    this.runId = runId;
    this.currentStatus = currentStatus;
  }
}

export type StateRepositoryOptions = StateStoreOptions;

/** Reads and writes runs in the state table, and (through {@link FeedStore}) feeds and seed uploads. */
export class StateRepository {
  private readonly tableName: string;
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly now: () => Date;
  readonly feeds: FeedStore;
  readonly getFeed: FeedStore['getFeed'];
  readonly recordSeedReceived: FeedStore['recordSeedReceived'];
  readonly recordDatasetReady: FeedStore['recordDatasetReady'];
  readonly updateDatasetExpiry: FeedStore['updateDatasetExpiry'];
  readonly recordSeedUpload: FeedStore['recordSeedUpload'];
  readonly getSeedUpload: FeedStore['getSeedUpload'];

  constructor(options: StateRepositoryOptions) {
    this.tableName = options.tableName;
    this.dynamo = options.dynamo;
    this.now = options.now ?? (() => new Date());
    const feeds = new FeedStore(options);
    this.feeds = feeds;
    this.getFeed = feeds.getFeed.bind(feeds);
    this.recordSeedReceived = feeds.recordSeedReceived.bind(feeds);
    this.recordDatasetReady = feeds.recordDatasetReady.bind(feeds);
    this.updateDatasetExpiry = feeds.updateDatasetExpiry.bind(feeds);
    this.recordSeedUpload = feeds.recordSeedUpload.bind(feeds);
    this.getSeedUpload = feeds.getSeedUpload.bind(feeds);
  }

  private iso(): string {
    return this.now().toISOString();
  }

  // runs

  /** The run record with every scenario outcome recorded so far (`scenarios`). */
  async getRun(runId: string): Promise<RunRecord | null> {
    return runFromItems(await this.scenarioOutcomes.runItems(runId));
  }

  /** The run record alone (no scenario outcomes): one GetItem. */
  async getRunHeader(runId: string): Promise<RunRecord | null> {
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: RUN_SK },
        ConsistentRead: true,
      }),
    );
    return recordOf<RunRecord>(out.Item);
  }

  /** Per-scenario outcomes of runs (written by each Map iteration). */
  get scenarioOutcomes(): ScenarioOutcomeStore {
    return new ScenarioOutcomeStore(this.dynamo, this.tableName);
  }

  /**
   * Creates a run record unless one exists (duplicate events, retries). Returns the stored
   * record and whether this call created it.
   */
  async createRun(input: {
    runId: string;
    kind: RunKind;
    feed: string | null;
    status: 'QUEUED' | 'RUNNING' | 'REJECTED';
    seed?: SeedObject | null;
    executionArn?: string | null;
    datasetId?: string | null;
    rejection?: { code: string; reason: string } | null;
    /** For a seed rejected before its feed was known: the `seeds/<folder>/` it was dropped in. */
    folder?: string | null;
  }): Promise<{ created: boolean; run: RunRecord }> {
    const now = this.iso();
    const run: RunRecord = {
      runId: input.runId,
      kind: input.kind,
      feed: input.feed,
      status: input.status,
      seed: input.seed ?? null,
      executionArn: input.executionArn ?? null,
      datasetId: input.datasetId ?? null,
      rejection: input.rejection ?? null,
      ...(input.folder ? { folder: input.folder } : {}),
      startedAt: now,
      finishedAt: input.status === 'REJECTED' ? now : null,
      updatedAt: now,
    };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(run.runId), sk: RUN_SK, ...run },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.getRunHeader(input.runId);
      if (!existing) throw err;
      return { created: false, run: existing };
    }
    await this.putRunIndex(run);
    return { created: true, run };
  }

  /**
   * Moves a FAILED or SKIPPED run back to RUNNING for another execution of the same run id (a
   * scheduled slot started again, perhaps after the feed got its dataset): clears the failure or
   * skip, the finish time and the events marker, so the run can finish (and announce) afresh.
   * Returns false when the run is neither (any more).
   */
  async reopenFailedRun(runId: string, fields: { executionArn?: string | null }): Promise<boolean> {
    let out;
    try {
      out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression:
            'SET #status = :running, executionArn = :arn, updatedAt = :now ' +
            'REMOVE failure, skip, finishedAt, durationMs, eventsPublishedAt',
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:failed, :skipped)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':failed': 'FAILED',
            ':skipped': 'SKIPPED',
            ':arn': fields.executionArn ?? null,
            ':now': this.iso(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
    const run = recordOf<RunRecord>(out.Attributes);
    if (run) await this.putRunIndex(run);
    return true;
  }

  /** Moves a non-terminal run to RUNNING and notes the dataset (no-op on finished runs). */
  async markRunRunning(runId: string, fields: { datasetId?: string | null }): Promise<void> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: 'SET #status = :running, datasetId = :ds, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:queued, :running)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': 'RUNNING',
            ':queued': 'QUEUED',
            ':ds': fields.datasetId ?? null,
            ':now': this.iso(),
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Notes the scenarios refused before any vendor call (replay-safe: the list is replaced). */
  async recordRejectedScenarios(runId: string, rejected: readonly ScenarioRejection[]): Promise<void> {
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: RUN_SK },
        UpdateExpression: 'SET rejectedScenarios = :rejected, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':rejected': rejected, ':now': this.iso() },
      }),
    );
  }

  /**
   * Finishes a run as SUCCEEDED, PARTIAL, FAILED or SKIPPED. Creates the record if the run had none (e.g. a
   * scheduled generation that failed before writing it). Replaying the same outcome is a no-op
   * returning the stored record; a different outcome on a finished run throws RunTransitionError,
   * except from a Step Functions redrive of the execution that finished it as PARTIAL or FAILED
   * (same execution ARN, higher `redriveCount`): that attempt finishes the run again, and its
   * Run Finished event goes out afresh.
   */
  async finishRun(input: {
    runId: string;
    kind: RunKind;
    feed: string | null;
    status: FinishedRunStatus;
    executionArn?: string | null;
    datasetId?: string | null;
    seed?: SeedObject | null;
    outputs?: readonly RunOutput[];
    failure?: RunFailure | null;
    /** For SKIPPED: why. */
    skip?: RunSkip | null;
    scenarioCounts?: RunIndexEntry['scenarioCounts'];
    /** `$$.Execution.RedriveCount` of the finishing attempt (default 0). */
    redriveCount?: number;
  }): Promise<RunRecord> {
    const now = this.now();
    const redriveCount = input.redriveCount ?? 0;
    const redrive =
      redriveCount > 0
        ? ' OR (#status IN (:partial, :failed) AND executionArn IN (:arn, :null) AND ' +
          '(attribute_not_exists(redriveCount) OR redriveCount < :rc))'
        : '';
    try {
      const out = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(input.runId), sk: RUN_SK },
          UpdateExpression:
            'SET #status = :status, runId = :run, kind = if_not_exists(kind, :kind), ' +
            'feed = if_not_exists(feed, :feed), startedAt = if_not_exists(startedAt, :now), ' +
            'executionArn = if_not_exists(executionArn, :arn), datasetId = :ds, ' +
            'seed = if_not_exists(seed, :seed), outputs = :outputs, failure = :failure, skip = :skip, ' +
            'scenarioCounts = :counts, redriveCount = :rc, finishedAt = :now, updatedAt = :now ' +
            'REMOVE eventsPublishedAt',
          ConditionExpression: `attribute_not_exists(#status) OR #status IN (:queued, :running)${redrive}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': input.status,
            ':run': input.runId,
            ':kind': input.kind,
            ':feed': input.feed,
            ':arn': input.executionArn ?? null,
            ':ds': input.datasetId ?? null,
            ':seed': input.seed ?? null,
            ':outputs': input.outputs ?? [],
            ':failure': input.failure ?? null,
            ':skip': input.skip ?? null,
            ':counts': input.scenarioCounts ?? null,
            ':now': now.toISOString(),
            ':queued': 'QUEUED',
            ':running': 'RUNNING',
            ':rc': redriveCount,
            ...(redriveCount > 0 ? { ':partial': 'PARTIAL', ':failed': 'FAILED', ':null': null } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const run = recordOf<RunRecord>(out.Attributes);
      if (!run) throw new Error(`DynamoDB returned no attributes for run ${input.runId}`);
      const durationMs = now.getTime() - Date.parse(run.startedAt);
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(input.runId), sk: RUN_SK },
          UpdateExpression: 'SET durationMs = :d',
          ExpressionAttributeValues: { ':d': durationMs },
        }),
      );
      const finished = { ...run, durationMs };
      await this.putRunIndex(finished);
      return finished;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.getRunHeader(input.runId);
      if (existing?.status === input.status) return existing;
      throw new RunTransitionError(input.runId, input.status, existing?.status ?? null);
    }
  }

  /**
   * Adds event ids EventBridge accepted for the run (a string set), so a retried record step
   * sends only the events that did not go out.
   */
  async markEventsSent(runId: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.dynamo.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: RUN_SK },
        UpdateExpression: 'ADD eventsSent :ids',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':ids': new Set(eventIds) },
      }),
    );
  }

  /**
   * Notes that the run's events went out, with the ids its last PutEvents accepted (`sentIds`);
   * returns false if they already had.
   */
  async markEventsPublished(runId: string, sentIds: readonly string[] = []): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: RUN_SK },
          UpdateExpression: `SET eventsPublishedAt = :now${sentIds.length > 0 ? ' ADD eventsSent :ids' : ''}`,
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(eventsPublishedAt) OR eventsPublishedAt = :null)',
          ExpressionAttributeValues: {
            ':now': this.iso(),
            ':null': null,
            ...(sentIds.length > 0 ? { ':ids': new Set(sentIds) } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** A feed's runs (including rejected seeds), newest first; `getRun` has the details. */
  async listFeedRuns(feed: string | null, limit = 25): Promise<RunIndexEntry[]> {
    const out = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': feedPk(feed), ':prefix': 'RUN#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => withoutKeys<RunIndexEntry>(item));
  }

  private async putRunIndex(run: RunRecord): Promise<void> {
    const entry: RunIndexEntry = {
      runId: run.runId,
      kind: run.kind,
      feed: run.feed,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt ?? null,
      rejection: run.rejection ?? null,
      failureCode: run.failure?.code ?? null,
      scenarioCounts: run.scenarioCounts ?? null,
    };
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        // A seed dropped under an invalid feed name is indexed under the folder it was dropped in,
        // so `listFeedRuns('<folder>')` (and the runs CLI) still finds it.
        Item: {
          pk: feedPk(run.feed ?? run.folder ?? null),
          sk: runIndexSk(run.startedAt, run.runId),
          ...entry,
        },
      }),
    );
  }
}
