/**
 * Fault-matrix rows with two scenarios per run (issue 13 item 6): for each failure class (quota,
 * cap, failed job, crash, tampering) one scenario fails and its sibling lands. A row checks what
 * landed (exactly the sibling, in S3 with its manifest), what was recorded (PARTIAL, one outcome
 * per scenario, the failed one with its code), which events went out (one Scenario Landed, one Scenario Failed),
 * then re-drives the run (`simulacra-pipeline redrive`'s code) with the fault gone and checks that
 * the re-drive lands the rest with no training, no duplicate vendor work and one object per
 * scenario.
 */
import { expect } from 'vitest';
import type { FaultMatrixRow } from '../../../bench/fault-matrix.ts';
import { VENDOR_MAX_ROW_COUNT } from '../../../src/conditions/scenario-file.ts';
import type { SimulatorCounters } from '../../../simulator/index.ts';
import type { LocalHandler, LocalPipelineRunner } from '../../../src/local/runner.ts';
import { redriveRun } from '../../../src/pipeline/redrive.ts';
import { DetailType } from '../../../src/events/catalog.ts';
import { scanForSecrets, scannedJson } from '../secret-scan.ts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FaultWorld } from './fault-world.ts';
import { exampleSeedCsv, type ObservedRun } from './local-pipeline.ts';
import { capturedTexts, landedForFeed, runEvents } from './run-checks.ts';

export const SMALL = { name: 'small', row_count: 40, output_format: 'csv' } as const;
export const LARGE = { name: 'large', row_count: 300, output_format: 'parquet' } as const;

/** One failure class hitting one of two scenarios. */
export interface TwoScenarioCase {
  readonly fault: string;
  readonly mode: 'managed' | 'enterprise';
  /** The failed scenario's recorded code. */
  readonly code: string | RegExp;
  /** Which scenario fails: `large` always, or `either` (whichever the vendor served first). */
  readonly failing: 'large' | 'either';
  /** Generations the re-drive runs: 1 when the failure bought nothing, 0 when it replays one. */
  readonly redriveGenerations: number;
  /** Injects the fault; returns the runner to drop the seed with and how to clear the fault. */
  inject(world: FaultWorld): { runner: LocalPipelineRunner; clear: () => void };
}

/** LandArtifact dying (the Lambda sandbox lost) on every invocation for `scenario`. */
export function landArtifactAlwaysCrashingFor(scenario: string): LocalHandler {
  return async (event, context) => {
    if ((event as { scenario?: { name?: unknown } }).scenario?.name === scenario) {
      const error = new Error(`LandArtifact died in the middle of its invocation (injected, ${scenario})`);
      error.name = 'Lambda.ServiceException';
      throw error;
    }
    const { handler } = await import('../../../lambdas/land-artifact.ts');
    return handler(event, context);
  };
}

/** Leaves `rows` of the tenant's row quota (over what it has used and reserved). */
export function leaveQuota(world: FaultWorld, rows: number): () => void {
  const simulator = world.p.simulator;
  const usage = simulator.operator.tenantUsage(world.tenantId);
  simulator.operator.setTenantLimits(world.tenantId, {
    rowQuota: usage.rowsCommitted + usage.rowsReserved + rows,
  });
  return () => simulator.operator.setTenantLimits(world.tenantId, { rowQuota: usage.rowQuota });
}

let seedRows = 520;

function delta(after: SimulatorCounters, before: SimulatorCounters, route: string): number {
  return (after.calls[route] ?? 0) - (before.calls[route] ?? 0);
}

/** Runs the case and returns its matrix row, asserting every claim the row makes. */
export async function measureTwoScenarioRow(
  world: FaultWorld,
  c: TwoScenarioCase,
  feed: string,
): Promise<FaultMatrixRow> {
  const { p } = world;
  p.resetVendor();
  world.network.reset();
  await p.putScenarios(feed, { scenarios: [SMALL, LARGE] });
  const drop = await p.putSeed(feed, 'seed.csv', exampleSeedCsv(seedRows++));
  const { runner, clear } = c.inject(world);
  let first: ObservedRun;
  try {
    first = await world.observe(() => runner.runSeedDrop(drop));
  } finally {
    clear();
    p.simulator.setFaults(undefined);
    world.network.tamper = 'none';
  }

  // What is recorded: PARTIAL, one outcome per scenario.
  const record = await p.repo.getRun(first.runId ?? '');
  expect(record?.status, JSON.stringify(record?.failure ?? null)).toBe('PARTIAL');
  const outcomes = record?.scenarios ?? [];
  expect(outcomes.map((s) => s.scenario).sort()).toEqual(['large', 'small']);
  const failed = outcomes.filter((s) => s.outcome === 'failed');
  const landedOutcomes = outcomes.filter((s) => s.outcome === 'landed' || s.outcome === 'partial');
  expect(failed).toHaveLength(1);
  expect(landedOutcomes).toHaveLength(1);
  const failedName = failed[0]!.scenario;
  if (c.failing === 'large') expect(failedName).toBe('large');
  expect(failed[0]!.failure?.code ?? failed[0]!.failure?.error).toMatch(c.code);
  const code = failed[0]!.failure?.code ?? failed[0]!.failure?.error ?? '?';

  // What landed: exactly the sibling's object and manifest.
  const landedBefore = await landedForFeed(p, feed);
  expect(landedBefore.data).toEqual([landedOutcomes[0]!.outputKey]);
  expect(landedBefore.manifests).toEqual([landedOutcomes[0]!.manifestKey]);

  // What went out: one Scenario Landed for the sibling, one Scenario Failed for the failed scenario.
  expect(runEvents(first, DetailType.scenarioLanded).map((e) => e.detail.scenario)).toEqual([
    landedOutcomes[0]!.scenario,
  ]);
  expect(runEvents(first, DetailType.scenarioFailed).map((e) => e.detail.scenario)).toEqual([failedName]);

  // The re-drive completes the rest, buying nothing twice.
  const before = p.simulator.counters();
  const normal = world.runnerWith({});
  const dynamo = DynamoDBDocumentClient.from(p.env.clients.dynamodb);
  const redrive = await world.observe(async () => {
    const { plan } = await redriveRun(first.runId ?? '', {
      repo: p.repo,
      dynamo,
      tableName: p.env.names.stateTable,
      startExecution: normal.startIngestExecution,
    });
    expect(plan.landed).toEqual([landedOutcomes[0]!.scenario]);
    return { outcome: null, execution: await normal.startedExecution(plan.runId) };
  });
  const after = p.simulator.counters();
  const redriven = await p.repo.getRun(redrive.runId ?? '');
  expect(redriven?.status, JSON.stringify(redriven?.failure ?? null)).toBe('SUCCEEDED');
  expect(redriven?.scenarios?.map((s) => [s.scenario, s.outcome])).toEqual([[failedName, 'landed']]);
  expect(delta(after, before, 'POST /v1/datasets')).toBe(0);
  expect(after.trainings - before.trainings).toBe(0);
  expect(after.generationsExecuted - before.generationsExecuted).toBe(c.redriveGenerations);
  expect(after.duplicateWork).toBe(0);
  const landedAfter = await landedForFeed(p, feed);
  expect(landedAfter.data).toHaveLength(2);
  expect(landedAfter.data).toContain(landedOutcomes[0]!.outputKey);
  expect(landedAfter.manifests).toHaveLength(2);
  expect(runEvents(redrive, DetailType.scenarioLanded).map((e) => e.detail.scenario)).toEqual([failedName]);

  const texts = [...capturedTexts(first), ...capturedTexts(redrive)];
  texts.push(scannedJson(`record:${first.runId}`, record), scannedJson(`record:${redrive.runId}`, redriven));
  const findings = scanForSecrets(texts, p.simulator.sensitiveValues());
  expect(findings).toEqual([]);
  return {
    fault: c.fault,
    outcome: `partial: ${landedOutcomes[0]!.scenario} landed, ${failedName} failed cleanly: ${code}`,
    dataLanded: 'partial',
    duplicateVendorWork: after.duplicateWork,
    secretsFound: findings.length,
    redrive: `landed ${failedName}: 0 trainings, ${c.redriveGenerations} generation(s), 0 duplicate objects`,
  };
}

/**
 * Two scenarios per run, one failure class each: the sibling lands, the failed one is recorded
 * with its code and announced, and a re-drive lands it buying nothing twice.
 */
export const twoScenarioCases: readonly TwoScenarioCase[] = [
  {
    fault: 'two scenarios: row quota exhausted (402) for one',
    mode: 'managed',
    code: 'simio_quota_exhausted',
    failing: 'large',
    redriveGenerations: 1,
    inject: (world) => ({ runner: world.runnerWith({}), clear: leaveQuota(world, 100) }),
  },
  {
    fault: 'two scenarios: per-request cap exceeded (413) for one',
    mode: 'managed',
    code: 'simio_per_request_cap_exceeded',
    failing: 'large',
    redriveGenerations: 1,
    inject(world) {
      world.p.simulator.operator.setTenantLimits(world.tenantId, { perRequestCap: 100 });
      return {
        runner: world.runnerWith({}),
        clear: () =>
          world.p.simulator.operator.setTenantLimits(world.tenantId, {
            perRequestCap: VENDOR_MAX_ROW_COUNT,
          }),
      };
    },
  },
  {
    fault: 'two scenarios: generation job failed for one',
    mode: 'managed',
    code: 'generation_failed',
    failing: 'either',
    // Its key would replay the failed job: the re-drive sends a fresh key, one new generation.
    redriveGenerations: 1,
    inject(world) {
      world.p.simulator.setFaults('job:fail=generation_failedx1@type=generation');
      return { runner: world.runnerWith({}), clear: () => undefined };
    },
  },
  {
    fault: 'two scenarios: copy (LandArtifact) Lambda crashing for one until retries run out',
    mode: 'managed',
    code: /Lambda\.ServiceException/,
    failing: 'large',
    // The generation had completed: the re-drive's same key replays it, nothing is generated.
    redriveGenerations: 0,
    inject: (world) => ({
      runner: world.runnerWith({ LandArtifact: landArtifactAlwaysCrashingFor('large') }),
      clear: () => undefined,
    }),
  },
  {
    fault: 'two scenarios: tampered ciphertext for one (enterprise)',
    mode: 'enterprise',
    code: 'artifact_integrity',
    failing: 'either',
    redriveGenerations: 0,
    inject(world) {
      world.network.tamper = 'artifact-bytes-once';
      return { runner: world.runnerWith({}), clear: () => undefined };
    },
  },
];
