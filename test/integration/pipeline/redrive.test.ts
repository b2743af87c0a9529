import { describe, expect, it } from 'vitest';
import { createRedriveCommand } from '../../../src/cli/commands/redrive.ts';
import { DetailType } from '../../../src/events/catalog.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();

const FEED = 'redrive';
const SMALL = { name: 'small', row_count: 40, output_format: 'csv' };
const LARGE = { name: 'large', row_count: 300, output_format: 'parquet' };

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
    const before = await h.feedKeys(FEED);
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
    const after = await h.feedKeys(FEED);
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

  // https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html: a redrive
  // "continues the failed execution from the unsuccessful step"; the steps that succeeded are not
  // rerun. Both workflows catch every error, record it, and end in a Fail state (RunFailed,
  // RunNotComplete): that state is the unsuccessful step, so a redrive fails there again.
  it("Step Functions' redrive of an execution that failed in its Fail state fails there again, running nothing; the CLI redrive completes the run", async () => {
    const feed = 'sfn-redrive';
    const tenant = h.simulator.demoTenant.tenantId;
    await h.putScenarios(feed, { scenarios: [SMALL, LARGE] });
    const eventsOf = (runId: string, from: number) =>
      h.events
        .slice(from)
        .filter((e) => e.detail['runId'] === runId && e.detailType !== DetailType.runFinished);

    for (const [cap, status] of [
      [10, 'FAILED'],
      [100, 'PARTIAL'],
    ] as const) {
      h.simulator.operator.setTenantLimits(tenant, { perRequestCap: cap });
      const drop = await h.runner.runSeedDrop(await h.putSeed(feed, 'seed.csv', exampleSeedCsv(160 + cap)));
      const runId = drop.execution!.name;
      expect(drop.execution?.status).toBe('FAILED');
      const failState = (drop.execution?.events ?? [])
        .map((e) => e['state'] as { name: string; type: string } | undefined)
        .findLast((state) => state?.type === 'Fail')?.name;
      expect(['RunFailed', 'RunNotComplete']).toContain(failState);
      const before = await h.repo.getRun(runId);
      expect(before?.status).toBe(status);
      const keysBefore = await h.feedKeys(feed);

      h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 1_000_000 });
      h.simulator.resetCounters();
      const firstEvent = h.events.length;
      const redriven = await h.runner.redriveExecution('ingest', runId);
      expect(redriven).toMatchObject({
        status: 'FAILED',
        error: drop.execution!.error,
        cause: drop.execution!.cause,
        name: runId,
        executionArn: drop.execution!.executionArn,
        redriveCount: 1,
        taskInvocations: {},
      });
      expect(redriven.events.filter((e) => e.type === 'StateEntered').map((e) => e['state'])).toEqual([
        expect.objectContaining({ name: failState, type: 'Fail' }),
      ]);
      // Nothing ran: no vendor call, no object, no Scenario Landed; the run keeps its outcome.
      expect(h.simulator.counters()).toMatchObject({ trainings: 0, generationsExecuted: 0 });
      expect(h.simulator.counters().calls['POST /v1/datasets/{dataset_id}/generations'] ?? 0).toBe(0);
      expect(await h.feedKeys(feed)).toEqual(keysBefore);
      expect(eventsOf(runId, firstEvent)).toEqual([]);
      // The failed redrive is announced as any failed execution (EventBridge → RecordRun), harmlessly.
      expect(redriven.statusChange?.error ?? null).toBeNull();
      expect((await h.repo.getRun(runId))?.status).toBe(status);
      // A second redrive is allowed (the execution is FAILED again) and fails the same way.
      expect(await h.runner.redriveExecution('ingest', runId)).toMatchObject({
        status: 'FAILED',
        redriveCount: 2,
      });

      // What completes the run: the CLI's redrive, a new execution of only what did not land.
      const out: string[] = [];
      expect(await redrive(out).run([runId, '--json'])).toBe(0);
      const plan = JSON.parse(out.join('')) as { runId: string };
      const completed = await h.runner.startedExecution(plan.runId);
      expect(completed?.status, completed?.cause ?? '').toBe('SUCCEEDED');
      expect(h.simulator.counters()).toMatchObject({ trainings: 0, duplicateWork: 0 });
    }
  });

  it('refuses to redrive what Step Functions refuses: a SUCCEEDED execution, an unknown one', async () => {
    const drop = await h.runner.runSeedDrop(await h.putSeed('sfn-done', 'seed.csv', exampleSeedCsv(152)));
    expect(drop.execution?.status, drop.execution?.cause ?? '').toBe('SUCCEEDED');
    await expect(h.runner.redriveExecution('ingest', drop.execution!.name)).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
    await expect(h.runner.redriveExecution('ingest', 'ingest-nope')).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});
