/**
 * Per-scenario outcome items of a run (`RUN#<runId>` / `SCENARIO#<name>`), written by each Map
 * iteration as it ends, so every landed object is on record whatever happens to its siblings or
 * to the rest of the run. Each item is its own DynamoDB item: parallel iterations never contend.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, queryAll, withoutKeys } from './dynamo-items.ts';
import {
  RUN_SK,
  SCENARIO_SK_PREFIX,
  runPk,
  scenarioSk,
  type RunRecord,
  type ScenarioOutcome,
} from './records.ts';

function scenariosFromItems(items: readonly Record<string, unknown>[]): ScenarioOutcome[] {
  return items
    .filter((item) => typeof item['sk'] === 'string' && item['sk'].startsWith(SCENARIO_SK_PREFIX))
    .map((item) => withoutKeys<ScenarioOutcome>(item))
    .sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.scenario.localeCompare(b.scenario));
}

/** A run record with its scenario outcomes, from one Query of the run's partition. */
export function runFromItems(items: readonly Record<string, unknown>[]): RunRecord | null {
  const runItem = items.find((item) => item['sk'] === RUN_SK);
  if (!runItem) return null;
  return { ...withoutKeys<RunRecord>(runItem), scenarios: scenariosFromItems(items) };
}

export class ScenarioOutcomeStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every item of the run's partition (the run record and its scenario outcomes). */
  async runItems(runId: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.dynamo, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': runPk(runId) },
      ConsistentRead: true,
    });
  }

  /** The run's scenario outcomes, in the order they were recorded. */
  async list(runId: string): Promise<ScenarioOutcome[]> {
    return scenariosFromItems(await this.runItems(runId));
  }

  /**
   * Records a scenario's outcome. A landed outcome is final: nothing replaces it, so no landed
   * object is ever un-accounted. A failed or skipped outcome is replaced by a later attempt: another
   * execution of the run, or a Step Functions redrive of the same execution (same ARN, higher
   * `redriveCount`). A replay within the same attempt (a retried Task) keeps the stored item and
   * its event marker. Returns the stored item.
   */
  async put(outcome: Omit<ScenarioOutcome, 'eventPublishedAt'>): Promise<ScenarioOutcome> {
    const item: ScenarioOutcome = { ...outcome, eventPublishedAt: null };
    const redriveCount = outcome.redriveCount ?? 0;
    const laterAttempt =
      redriveCount > 0
        ? '(executionArn <> :arn OR attribute_not_exists(redriveCount) OR redriveCount < :rc)'
        : 'executionArn <> :arn';
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(outcome.runId), sk: scenarioSk(outcome.scenario), ...item },
          ConditionExpression: `attribute_not_exists(pk) OR (NOT outcome IN (:landed, :partial) AND ${laterAttempt})`,
          ExpressionAttributeValues: {
            ':landed': 'landed',
            ':partial': 'partial',
            ':arn': outcome.executionArn ?? '-',
            ...(redriveCount > 0 ? { ':rc': redriveCount } : {}),
          },
        }),
      );
      return item;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.get(outcome.runId, outcome.scenario);
      if (!existing) throw err;
      return existing;
    }
  }

  /** One scenario's recorded outcome, if any. */
  async get(runId: string, scenario: string): Promise<ScenarioOutcome | null> {
    const out = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: runPk(runId), sk: scenarioSk(scenario) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? withoutKeys<ScenarioOutcome>(out.Item) : null;
  }

  /**
   * Notes that the scenario's event went out (or, with `announcedBy`, that the run of that id had
   * announced the same object already); false if it already had.
   */
  async markEventPublished(
    runId: string,
    scenario: string,
    at: string,
    announcedBy: string | null = null,
  ): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: scenarioSk(scenario) },
          UpdateExpression: 'SET eventPublishedAt = :now, announcedBy = :by',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(eventPublishedAt) OR eventPublishedAt = :null)',
          ExpressionAttributeValues: { ':now': at, ':null': null, ':by': announcedBy },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
