import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedriveCommand } from '../../../src/cli/commands/redrive.ts';
import {
  exampleSeedCsv,
  startPipelineHarness,
  type PipelineHarness,
} from '../../support/pipeline-harness.ts';

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness();
});
afterAll(async () => h?.stop());

const FEED = 'redrive';
const SMALL = { name: 'small', row_count: 40, output_format: 'csv' };
const LARGE = { name: 'large', row_count: 300, output_format: 'parquet' };

async function landedObjects(): Promise<string[]> {
  const out = await h.s3.send(
    new ListObjectsV2Command({ Bucket: h.names.outputBucket, Prefix: `synthetic/feed=${FEED}/` }),
  );
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

function redrive(out: string[]) {
  return createRedriveCommand({
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    startExecution: () => h.runner.startIngestExecution,
    env: { SIMULACRA_STATE_TABLE: h.names.table, SIMULACRA_INGEST_STATE_MACHINE_ARN: 'arn:local:ingest' },
  });
}

describe('redrive', () => {
  it('re-runs only what did not land: no training, no duplicate generation, no duplicate object', async () => {
    const tenant = h.simulator.demoTenant.tenantId;
    await h.putScenarios(FEED, { scenarios: [SMALL, LARGE] });
    h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 100 });
    const first = await h.runner.runSeedDrop(await h.putSeed(FEED, 'seed.csv', exampleSeedCsv(150)));
    const runId = first.execution!.name;
    const failed = await h.repo.getRun(runId);
    expect(['FAILED', 'PARTIAL']).toContain(failed?.status);
    const before = await landedObjects();
    // Without per-scenario isolation the failing sibling may stop `small` before it lands.
    expect(before.filter((k) => k.includes('scenario=small/')).length).toBeLessThanOrEqual(1);
    expect(before.filter((k) => k.includes('scenario=large/'))).toHaveLength(0);

    h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 1_000_000 });
    h.simulator.resetCounters();
    const out: string[] = [];
    expect(await redrive(out).run([runId, '--json'])).toBe(0);
    const plan = JSON.parse(out.join('')) as { runId: string; keyRunId: string; executionArn: string };
    expect(plan.keyRunId).toBe(runId);
    const execution = await h.runner.startedExecution(plan.runId);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');

    const counters = h.simulator.counters();
    expect(counters.calls['POST /v1/datasets'] ?? 0).toBe(0);
    expect(counters).toMatchObject({ trainings: 0, generationsExecuted: 1, duplicateWork: 0 });
    const after = await landedObjects();
    const small = after.filter((k) => k.includes('scenario=small/'));
    expect(small).toHaveLength(1);
    if (before.some((k) => k.includes('scenario=small/')))
      expect(small).toEqual(before.filter((k) => k.includes('scenario=small/')));
    expect(after.filter((k) => k.includes('scenario=large/'))).toHaveLength(1);
    const redriven = await h.repo.getRun(plan.runId);
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveOf: runId, datasetId: failed?.datasetId });
    expect(redriven?.outputs?.some((o) => o.scenario === 'large')).toBe(true);
  });

  it('refuses a run with nothing left to do, and an unknown run', async () => {
    const drop = await h.runner.runSeedDrop(await h.putSeed('redrive-done', 'seed.csv', exampleSeedCsv(151)));
    expect(drop.execution?.status, drop.execution?.cause ?? '').toBe('SUCCEEDED');
    const out: string[] = [];
    expect(await redrive(out).run([drop.execution!.name])).toBe(3);
    expect(out.join('')).toMatch(/landed every scenario .*nothing to re-drive/);
    out.length = 0;
    expect(await redrive(out).run(['ingest-nope'])).toBe(3);
    expect(out.join('')).toMatch(/No run "ingest-nope"/);
  });
});
