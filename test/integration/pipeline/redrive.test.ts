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

  it("Step Functions' redrive of a FAILED or PARTIAL execution lands the rest under the same run, buying nothing twice", async () => {
    const feed = 'sfn-redrive';
    const tenant = h.simulator.demoTenant.tenantId;
    await h.putScenarios(feed, { scenarios: [SMALL, LARGE] });
    const landedEvents = (runId: string, from: number) =>
      h.events
        .slice(from)
        .filter((e) => e.detailType === DetailType.scenarioLanded && e.detail['runId'] === runId)
        .map((e) => e.detail['scenario']);
    const finished = (runId: string, from: number) =>
      h.events
        .slice(from)
        .filter((e) => e.detailType === DetailType.runFinished && e.detail['runId'] === runId)
        .map((e) => e.detail['status']);

    for (const [cap, status, landedFirst] of [
      [10, 'FAILED', []],
      [100, 'PARTIAL', ['small']],
    ] as const) {
      h.simulator.operator.setTenantLimits(tenant, { perRequestCap: cap });
      const drop = await h.runner.runSeedDrop(await h.putSeed(feed, 'seed.csv', exampleSeedCsv(160 + cap)));
      const runId = drop.execution!.name;
      expect(drop.execution?.status).toBe('FAILED');
      expect((await h.repo.getRun(runId))?.status).toBe(status);
      const keysBefore = await h.feedKeys(feed);

      h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 1_000_000 });
      h.simulator.resetCounters();
      const firstEvent = h.events.length;
      const redriven = await h.runner.redriveExecution('ingest', runId);
      expect(redriven.status, redriven.cause ?? '').toBe('SUCCEEDED');
      expect(redriven).toMatchObject({
        name: runId,
        executionArn: drop.execution!.executionArn,
        redriveCount: 1,
      });

      const run = await h.repo.getRun(runId);
      expect(run).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, failure: null });
      expect(run?.scenarios?.map((o) => [o.scenario, o.outcome]).sort()).toEqual([
        ['large', 'landed'],
        ['small', 'landed'],
      ]);
      expect((await h.repo.listFeedRuns(feed)).find((r) => r.runId === runId)?.status).toBe('SUCCEEDED');
      // Nothing trained, nothing generated or landed again for what had landed.
      const counters = h.simulator.counters();
      expect(counters.calls['POST /v1/datasets'] ?? 0).toBe(0);
      expect(counters).toMatchObject({ trainings: 0, duplicateWork: 0 });
      expect(counters.generationsExecuted).toBe(2 - landedFirst.length);
      const keysAfter = await h.feedKeys(feed);
      for (const key of keysBefore) expect(keysAfter).toContain(key);
      const written = keysAfter.filter((k) => !keysBefore.includes(k));
      for (const name of landedFirst)
        expect(written.filter((k) => k.includes(`scenario=${name}/`))).toEqual([]);
      // Announced once: the landings of this attempt and one Run Finished with the new status.
      expect(landedEvents(runId, firstEvent).sort()).toEqual(
        ['large', 'small'].filter((name) => !(landedFirst as readonly string[]).includes(name)),
      );
      expect(finished(runId, firstEvent)).toEqual(['SUCCEEDED']);
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
