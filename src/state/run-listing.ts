/**
 * Runs as `simulacra-pipeline runs` shows them: newest first, each with one outcome per
 * scenario, read from the state table (local stack or deployed stack alike).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QualityHeadline } from '../landing/content-check.ts';
import { scanAll } from './dynamo-items.ts';
import { RUN_SK, SCENARIO_SK_PREFIX, type RunRecord } from './records.ts';
import { runFromItems } from './scenario-outcomes.ts';
import { StateRepository } from './repository.ts';

/**
 * What became of one scenario of a run: the recorded outcomes (`ScenarioOutcomeKind` of
 * records.ts), plus `rejected` (refused before any vendor call) and `pending` (not finished yet).
 */
export type ScenarioOutcomeKind = 'landed' | 'partial' | 'failed' | 'skipped' | 'rejected' | 'pending';

export interface ScenarioOutcomeLine {
  readonly scenario: string;
  readonly outcome: ScenarioOutcomeKind;
  readonly rows?: number | null;
  readonly format?: string | null;
  readonly outputKey?: string | null;
  readonly generationId?: string | null;
  /** The quality report's headline of a landed generation (null: no report). */
  readonly quality?: QualityHeadline | null;
  readonly code?: string | null;
  readonly message?: string | null;
}

export interface ListedRun {
  readonly runId: string;
  readonly kind: string;
  readonly feed: string | null;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly datasetId: string | null;
  readonly duplicateOf: string | null;
  /** For a re-drive: the run it completes and the scenarios that run had landed. */
  readonly redriveOf: string | null;
  readonly redriveSkipped: readonly string[];
  readonly seedKey: string | null;
  readonly failureCode: string | null;
  readonly failureMessage: string | null;
  readonly rejection: { readonly code: string; readonly reason: string } | null;
  /** For a SKIPPED run: why nothing ran. */
  readonly skip: { readonly code: string; readonly reason: string } | null;
  readonly scenarios: readonly ScenarioOutcomeLine[];
}

/** One outcome per scenario the run record accounts for (docs/run-outcomes.md). */
export function scenarioOutcomes(run: RunRecord): ScenarioOutcomeLine[] {
  const rejectedNames = new Set((run.rejectedScenarios ?? []).map((r) => r.name));
  const recorded: ScenarioOutcomeLine[] = (run.scenarios ?? [])
    .filter((s) => !rejectedNames.has(s.scenario))
    .map((s) => ({
      scenario: s.scenario,
      outcome: s.outcome,
      rows: s.rowsGenerated,
      format: s.format,
      outputKey: s.outputKey,
      generationId: s.generationId,
      quality: s.quality ?? null,
      code: s.failure?.code ?? null,
      message: s.failure?.detail ?? s.failure?.message ?? s.reason,
    }));
  const recordedNames = new Set(recorded.map((s) => s.scenario));
  // Runs recorded before per-scenario items: their landed outputs.
  const legacy: ScenarioOutcomeLine[] = (run.outputs ?? [])
    .filter((o) => !recordedNames.has(o.scenario))
    .map((o) => ({
      scenario: o.scenario,
      outcome: o.partial ? 'partial' : 'landed',
      rows: o.rowsGenerated,
      format: o.format,
      outputKey: o.outputKey,
      generationId: o.generationId,
    }));
  const lines = [...recorded, ...legacy];
  for (const r of run.rejectedScenarios ?? []) {
    lines.push({ scenario: r.name, outcome: 'rejected', code: r.code, message: r.message });
  }
  return lines;
}

export function toListedRun(run: RunRecord): ListedRun {
  return {
    runId: run.runId,
    kind: run.kind,
    feed: run.feed,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    datasetId: run.datasetId ?? null,
    duplicateOf: run.duplicateOf ?? null,
    redriveOf: run.redriveOf ?? null,
    redriveSkipped: run.redriveSkip ?? [],
    seedKey: run.seed?.key ?? null,
    failureCode: run.failure?.code ?? null,
    failureMessage: run.failure?.detail ?? run.failure?.message ?? null,
    rejection: run.rejection ?? null,
    skip: run.skip ?? null,
    scenarios: scenarioOutcomes(run),
  };
}

export interface ListRunsOptions {
  readonly feed?: string | null;
  readonly limit: number;
}

/**
 * The newest `limit` runs, of one feed (its run index, then each record) or of every feed (a
 * paginated scan of the run records).
 */
export async function listRuns(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  options: ListRunsOptions,
): Promise<ListedRun[]> {
  const repo = new StateRepository({ tableName, dynamo });
  if (options.feed) {
    const entries = await repo.listFeedRuns(options.feed, options.limit);
    const runs = await Promise.all(entries.map((e) => repo.getRun(e.runId)));
    return runs.filter((r): r is RunRecord => r !== null).map(toListedRun);
  }
  // Run records and their scenario outcome items, grouped by run.
  const byRun = new Map<string, Record<string, unknown>[]>();
  const items = await scanAll(dynamo, {
    TableName: tableName,
    FilterExpression: 'begins_with(pk, :prefix) AND (sk = :run OR begins_with(sk, :scenario))',
    ExpressionAttributeValues: { ':run': RUN_SK, ':prefix': 'RUN#', ':scenario': SCENARIO_SK_PREFIX },
  });
  for (const item of items) {
    const pk = String(item['pk']);
    byRun.set(pk, [...(byRun.get(pk) ?? []), item]);
  }
  const runs = [...byRun.values()].map(runFromItems).filter((r): r is RunRecord => r !== null);
  runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return runs.slice(0, options.limit).map(toListedRun);
}
