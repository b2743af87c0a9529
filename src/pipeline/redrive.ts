/**
 * Re-drive of a run: a new execution that generates only the scenarios the run did not land,
 * reusing the live dataset (content-addressed seeds: no training) and the run's generation
 * idempotency keys where the request is the same, so nothing already bought or landed is bought
 * or landed again. A scenario whose vendor job failed gets a fresh key: replaying its key would
 * only replay the failed job.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RUN_SK, runPk, type RunFailure, type RunRecord } from '../state/records.ts';
import type { StateRepository } from '../state/repository.ts';
import { scenarioOutcomes } from '../state/run-listing.ts';
import { sha256Hex } from './seed-object.ts';
import type { StartExecutionFn } from './start-ingest.ts';

/** Why a run cannot be re-driven (a message for the user). */
export class RedriveRefusedError extends Error {
  override readonly name = 'RedriveRefusedError';
}

export interface RedrivePlan {
  /** The run re-driven. */
  readonly of: string;
  /** The new run's id (its execution name). */
  readonly runId: string;
  /** Scenarios the run landed: skipped. */
  readonly landed: readonly string[];
  /** Scenarios whose vendor job failed: sent under a fresh idempotency key. */
  readonly freshKeys: readonly string[];
  /** The run whose generation keys the re-drive reuses. */
  readonly keyRunId: string;
}

/**
 * True when the scenario failed because its vendor job ran and ended failed (the failure was
 * raised while reading the job, `operation: 'getJob'`, whatever code the vendor gave it): the
 * same idempotency key would only replay that failed job. A refused request (402, 413, ...) or a
 * failure after the job completed (landing, integrity) keeps its key.
 */
export function failedVendorJob(failure: Pick<RunFailure, 'operation'> | null | undefined): boolean {
  return failure?.operation === 'getJob';
}

/** `redrive-<first 40 of run id>-<sha of run id + attempt time>`, within Step Functions' 80 characters. */
export function redriveRunId(of: string, now: Date): string {
  const label = of.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `redrive-${label}-${sha256Hex(`${of}\n${now.toISOString()}`).slice(0, 16)}`;
}

/** The plan for re-driving `run`; throws {@link RedriveRefusedError} when there is nothing to do. */
export function planRedrive(run: RunRecord, now: Date): RedrivePlan {
  if (run.kind !== 'ingest') {
    throw new RedriveRefusedError(
      `Run ${run.runId} is a scheduled generation; start its schedule slot again instead (the same slot reuses its run and keys).`,
    );
  }
  if (!run.seed || !run.feed) {
    throw new RedriveRefusedError(
      `Run ${run.runId} has no seed (status ${run.status}); drop the seed again.`,
    );
  }
  if (!['SUCCEEDED', 'FAILED', 'PARTIAL'].includes(run.status)) {
    throw new RedriveRefusedError(
      `Run ${run.runId} is ${run.status}; only finished runs (SUCCEEDED, PARTIAL, FAILED) can be re-driven.`,
    );
  }
  const outcomes = scenarioOutcomes(run);
  const landed = outcomes
    .filter((o) => o.outcome === 'landed' || o.outcome === 'partial')
    .map((o) => o.scenario);
  const unfinished = outcomes.filter((o) => !landed.includes(o.scenario));
  if (run.status === 'SUCCEEDED' && unfinished.length === 0) {
    throw new RedriveRefusedError(
      `Run ${run.runId} landed every scenario (${landed.join(', ')}); nothing to re-drive.`,
    );
  }
  return {
    of: run.runId,
    runId: redriveRunId(run.runId, now),
    landed,
    freshKeys: (run.scenarios ?? [])
      .filter((s) => s.outcome === 'failed' && failedVendorJob(s.failure))
      .map((s) => s.scenario),
    keyRunId: run.keyRunId ?? run.runId,
  };
}

export interface RedriveDeps {
  readonly repo: StateRepository;
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Starts the ingest state machine (the SDK on AWS, the local runner locally). */
  readonly startExecution: StartExecutionFn;
  readonly now?: () => Date;
}

export interface RedriveResult {
  readonly plan: RedrivePlan;
  readonly executionArn: string | null;
}

/** Records the new run (what to skip, which keys) and starts its execution. */
export async function redriveRun(runId: string, deps: RedriveDeps): Promise<RedriveResult> {
  const run = await deps.repo.getRun(runId);
  if (!run) throw new RedriveRefusedError(`No run "${runId}" in the state table; list runs with \`runs\`.`);
  const plan = planRedrive(run, deps.now?.() ?? new Date());
  await deps.repo.createRun({
    runId: plan.runId,
    kind: 'ingest',
    feed: run.feed,
    status: 'QUEUED',
    seed: run.seed ?? null,
  });
  await deps.dynamo.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { pk: runPk(plan.runId), sk: RUN_SK },
      UpdateExpression:
        'SET redriveOf = :of, redriveSkip = :skip, freshKeyScenarios = :fresh, keyRunId = :key',
      ExpressionAttributeValues: {
        ':of': plan.of,
        ':skip': plan.landed,
        ':fresh': plan.freshKeys,
        ':key': plan.keyRunId,
      },
    }),
  );
  const started = await deps.startExecution({
    name: plan.runId,
    input: { feed: run.feed!, seed: run.seed! },
  });
  return { plan, executionArn: started.status === 'started' ? started.executionArn : null };
}
