/**
 * Scheduled generation runs on the local runner (real handlers, simulator, moto): a slot started
 * twice (EventBridge Scheduler retries) is one run, and a run can name the scenarios it generates.
 */
import { GetPartitionsCommand, GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../src/local/moto.ts';
import type { ExecutionResult } from '../../../src/local/runner.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();

const GENERATIONS_ROUTE = 'POST /v1/datasets/{dataset_id}/generations';
const scenarios = {
  scenarios: [
    {
      name: 'premium-heavy',
      row_count: 150,
      output_format: 'parquet',
      conditions: { categorical: { segment: { Premium: 0.7, Value: 0.3 } } },
    },
    { name: 'baseline', row_count: 100, output_format: 'csv' },
  ],
};

/** A feed with a trained seed and the two scenarios above; counters reset afterwards. */
async function trainedFeed(feed: string): Promise<void> {
  await h.putScenarios(feed, scenarios);
  const ingest = await h.runner.runSeedDrop(await h.putSeed(feed, 'seed.csv', exampleSeedCsv()));
  expect(ingest.execution?.status, ingest.execution?.cause ?? '').toBe('SUCCEEDED');
  h.simulator.resetCounters();
}

function runIdOf(execution: ExecutionResult): string {
  return (execution.output as { runId: string }).runId;
}

describe('a scheduled slot started twice', () => {
  it('is one run: one vendor generation and one landed object per scenario', async () => {
    await trainedFeed('twice');
    const landedByIngest = await h.feedKeys('twice');
    const slot = { feed: 'twice', trigger: 'schedule', slot: '2026-05-01T06:00:00Z' };

    const first = await h.runner.execute('generate', slot, 'sched-twice-a');
    const second = await h.runner.execute('generate', slot, 'sched-twice-b');
    expect(first.status, first.cause ?? '').toBe('SUCCEEDED');
    expect(second.status, second.cause ?? '').toBe('SUCCEEDED');

    const runId = runIdOf(first);
    expect(runId).toMatch(/^generate-twice-[0-9a-f]{64}$/);
    expect(runIdOf(second)).toBe(runId);
    const counters = h.simulator.counters();
    expect(counters.generationsExecuted).toBe(2);
    expect(counters.duplicateWork).toBe(0);
    // The second execution finds both scenarios landed by the run: it asks the vendor for nothing.
    expect(counters.calls[GENERATIONS_ROUTE]).toBe(2);

    const landed = (await h.feedKeys('twice')).filter((k) => !landedByIngest.includes(k));
    expect(landed).toHaveLength(2);
    expect(landed.map((k) => /scenario=([^/]+)/.exec(k)![1]).sort()).toEqual(['baseline', 'premium-heavy']);

    const run = await h.repo.getRun(runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', kind: 'generate', executionArn: first.executionArn });
    expect(run?.outputs?.map((o) => o.outputKey).sort()).toEqual(landed);
    expect(await h.repo.getRun('sched-twice-a')).toBeNull();
    // The second execution found the run finished: nothing recorded or announced again.
    expect((second.output as { recorded: { eventsPublished: number } }).recorded.eventsPublished).toBe(0);

    const nextSlot = await h.runner.execute(
      'generate',
      { ...slot, slot: '2026-05-02T06:00:00Z' },
      'sched-twice-c',
    );
    expect(nextSlot.status, nextSlot.cause ?? '').toBe('SUCCEEDED');
    expect(runIdOf(nextSlot)).not.toBe(runId);
    expect(h.simulator.counters().generationsExecuted).toBe(4);
  });

  it('is one run also when both executions overlap', async () => {
    await trainedFeed('overlap');
    const landedByIngest = await h.feedKeys('overlap');
    const slot = { feed: 'overlap', slot: '2026-05-01T06:00:00Z' };
    const executions = await Promise.all([
      h.runner.execute('generate', slot, 'sched-overlap-a'),
      h.runner.execute('generate', slot, 'sched-overlap-b'),
    ]);
    for (const e of executions) expect(e.status, e.cause ?? '').toBe('SUCCEEDED');
    expect(new Set(executions.map(runIdOf)).size).toBe(1);
    expect(h.simulator.counters()).toMatchObject({ generationsExecuted: 2, duplicateWork: 0 });
    const landed = (await h.feedKeys('overlap')).filter((k) => !landedByIngest.includes(k));
    expect(landed).toHaveLength(2);
    expect(await h.repo.getRun(runIdOf(executions[0]))).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('resumes a slot whose first execution failed, in the same run record', async () => {
    await trainedFeed('resume');
    await h.putScenarios('resume', {
      scenarios: [{ ...scenarios.scenarios[0], conditions: { categorical: { segmnt: { Premium: 1 } } } }],
    });
    const slot = { feed: 'resume', slot: '2026-05-01T06:00:00Z' };
    const failed = await h.runner.execute('generate', slot, 'sched-resume-a');
    expect(failed.status).toBe('FAILED');
    const runId = (await h.repo.listFeedRuns('resume')).find((r) => r.kind === 'generate')!.runId;
    expect(runId).toMatch(/^generate-resume-[0-9a-f]{64}$/);
    expect(await h.repo.getRun(runId)).toMatchObject({
      status: 'FAILED',
      failure: { code: 'scenario_conditions_invalid' },
    });

    await h.putScenarios('resume', scenarios);
    const resumed = await h.runner.execute('generate', slot, 'sched-resume-b');
    expect(resumed.status, resumed.cause ?? '').toBe('SUCCEEDED');
    expect(runIdOf(resumed)).toBe(runId);
    const run = await h.repo.getRun(runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', failure: null, executionArn: resumed.executionArn });
    expect(run?.eventsPublishedAt).toBeTruthy();
    expect(h.simulator.counters().generationsExecuted).toBe(2);
  });
});

describe('a scheduled slot whose feed gets a new dataset between attempts', () => {
  it('stays one run: the retry lands nothing again and the catalog holds one partition per landed file', async () => {
    await trainedFeed('shifting');
    const landedByIngest = await h.feedKeys('shifting');
    const slot = { feed: 'shifting', trigger: 'schedule', slot: '2026-05-01T06:00:00Z' };
    const first = await h.runner.execute('generate', slot, 'sched-shifting-a');
    expect(first.status, first.cause ?? '').toBe('SUCCEEDED');
    const runId = runIdOf(first);
    const datasetBefore = (await h.repo.getFeed('shifting'))?.datasetId;
    const landedBySlot = (await h.feedKeys('shifting')).filter((k) => !landedByIngest.includes(k));
    expect(landedBySlot).toHaveLength(2);

    // A new seed version trains a new dataset for the feed before Scheduler retries the slot.
    const ingest = await h.runner.runSeedDrop(await h.putSeed('shifting', 'seed.csv', exampleSeedCsv(140)));
    expect(ingest.execution?.status, ingest.execution?.cause ?? '').toBe('SUCCEEDED');
    expect((await h.repo.getFeed('shifting'))?.datasetId).not.toBe(datasetBefore);
    const landedBeforeRetry = await h.feedKeys('shifting');
    h.simulator.resetCounters();

    const retry = await h.runner.execute('generate', slot, 'sched-shifting-b');
    expect(retry.status, retry.cause ?? '').toBe('SUCCEEDED');
    expect(runIdOf(retry)).toBe(runId);
    expect(h.simulator.counters()).toMatchObject({ generationsExecuted: 0, duplicateWork: 0 });
    expect(await h.feedKeys('shifting')).toEqual(landedBeforeRetry);
    const generateRuns = (await h.repo.listFeedRuns('shifting')).filter((r) => r.kind === 'generate');
    expect(generateRuns.map((r) => r.runId)).toEqual([runId]);
    expect((await h.repo.getRun(runId))?.outputs?.map((o) => o.outputKey).sort()).toEqual(landedBySlot);

    // Every landed file is one Glue partition, at its own location.
    const glue = new GlueClient(awsClientConfig(h.moto));
    const database = h.names.glueDatabase;
    const tables = (await glue.send(new GetTablesCommand({ DatabaseName: database }))).TableList ?? [];
    const locations: string[] = [];
    for (const t of tables.filter((t) => t.Parameters?.['simulacra.feed'] === 'shifting')) {
      const out = await glue.send(new GetPartitionsCommand({ DatabaseName: database, TableName: t.Name }));
      locations.push(...(out.Partitions ?? []).map((p) => p.StorageDescriptor?.Location ?? ''));
    }
    const dirs = landedBeforeRetry.map(
      (k) => `s3://${h.names.outputBucket}/${k.slice(0, k.lastIndexOf('/') + 1)}`,
    );
    expect(locations.sort()).toEqual(dirs.sort());
    glue.destroy();
  });
});

describe('a run that names its scenarios', () => {
  it('generates only those, and fails before any generation on an unknown name', async () => {
    await trainedFeed('picked');
    const before = await h.feedKeys('picked');
    const picked = await h.runner.execute(
      'generate',
      { feed: 'picked', scenarios: ['premium-heavy'] },
      'generate-picked-1',
    );
    expect(picked.status, picked.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters().generationsExecuted).toBe(1);
    const landed = (await h.feedKeys('picked')).filter((k) => !before.includes(k));
    expect(landed).toEqual([expect.stringContaining('/scenario=premium-heavy/')]);
    expect((await h.repo.getRun('generate-picked-1'))?.outputs?.map((o) => o.scenario)).toEqual([
      'premium-heavy',
    ]);

    const unknown = await h.runner.execute(
      'generate',
      { feed: 'picked', scenarios: ['premium-heavy', 'premium-hevy'] },
      'generate-picked-2',
    );
    expect(unknown.status).toBe('FAILED');
    expect(unknown.taskInvocations.CreateGeneration ?? 0).toBe(0);
    expect(h.simulator.counters().calls[GENERATIONS_ROUTE]).toBe(1);
    const run = await h.repo.getRun('generate-picked-2');
    expect(run).toMatchObject({ status: 'FAILED', failure: { code: 'unknown_scenario' } });
    expect(run?.failure?.message).toBe(
      'Feed "picked" has no scenario "premium-hevy"; its scenarios are "premium-heavy", "baseline".',
    );
  });
});
