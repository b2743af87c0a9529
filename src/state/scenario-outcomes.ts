/**
 * Per-scenario outcome items of a run (`RUN#<runId>` / `SCENARIO#<name>`), written by each Map
 * iteration as it ends, so every landed object is on record whatever happens to its siblings or
 * to the rest of the run. Each item is its own DynamoDB item: parallel iterations never contend.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  RUN_SK,
  SCENARIO_SK_PREFIX,
  runPk,
  scenarioSk,
  type RunRecord,
  type ScenarioOutcome,
} from './records.ts';

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err instanceof Error && err.name === 'ConditionalCheckFailedException')
  );
}

function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

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
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': runPk(runId) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (start);
    return items;
  }

  /** The run's scenario outcomes, in the order they were recorded. */
  async list(runId: string): Promise<ScenarioOutcome[]> {
    return scenariosFromItems(await this.runItems(runId));
  }

  /**
   * Records a scenario's outcome. A landed outcome is final: nothing replaces it, so no landed
   * object is ever un-accounted. A failed or skipped outcome is replaced by a later execution's
   * (a re-attempt), while a replay within the same execution (a retried Task) keeps the stored
   * item and its event marker. Returns the stored item.
   */
  async put(outcome: Omit<ScenarioOutcome, 'eventPublishedAt'>): Promise<ScenarioOutcome> {
    const item: ScenarioOutcome = { ...outcome, eventPublishedAt: null };
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: runPk(outcome.runId), sk: scenarioSk(outcome.scenario), ...item },
          ConditionExpression:
            'attribute_not_exists(pk) OR (NOT outcome IN (:landed, :partial) AND executionArn <> :arn)',
          ExpressionAttributeValues: {
            ':landed': 'landed',
            ':partial': 'partial',
            ':arn': outcome.executionArn ?? '-',
          },
        }),
      );
      return item;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = (await this.runItems(outcome.runId)).find(
        (i) => i['sk'] === scenarioSk(outcome.scenario),
      );
      if (!existing) throw err;
      return withoutKeys<ScenarioOutcome>(existing);
    }
  }

  /** Notes that the scenario's event went out; false if it already had. */
  async markEventPublished(runId: string, scenario: string, at: string): Promise<boolean> {
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: runPk(runId), sk: scenarioSk(scenario) },
          UpdateExpression: 'SET eventPublishedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(eventPublishedAt) OR eventPublishedAt = :null)',
          ExpressionAttributeValues: { ':now': at, ':null': null },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
