import { describe, expect, it } from 'vitest';
import { createRunsCommand } from '../../../src/cli/commands/runs.ts';
import { DetailType } from '../../../src/events/catalog.ts';
import type { ListedRun } from '../../../src/state/run-listing.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();

const FEED = 'dedupe';
/** The scenarios of `runId`'s Scenario Landed events, from the `from`-th captured event on. */
function landedEvents(runId: string, from = 0): unknown[] {
  return h.events
    .slice(from)
    .filter((e) => e.detailType === DetailType.scenarioLanded && e.detail['runId'] === runId)
    .map((e) => e.detail['scenario'])
    .sort();
}

const SCENARIOS = [
  { name: 'baseline', row_count: 80, output_format: 'csv' },
  {
    name: 'premium',
    row_count: 60,
    output_format: 'parquet',
    conditions: { categorical: { segment: { Premium: 0.6 } } },
  },
];

describe('content-addressed seeds', () => {
  it('an identical re-upload while the dataset lives costs no vendor work and lands nothing twice', async () => {
    await h.putScenarios(FEED, { scenarios: SCENARIOS });
    const first = await h.runner.runSeedDrop(await h.putSeed(FEED, 'panel.csv', exampleSeedCsv()));
    expect(first.execution?.status, first.execution?.cause ?? '').toBe('SUCCEEDED');
    const firstRun = await h.repo.getRun(first.execution!.name);
    expect(firstRun?.seedSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(firstRun?.duplicateOf ?? null).toBeNull();
    const landed = await h.feedKeys(FEED);
    expect(landed).toHaveLength(2);

    h.simulator.resetCounters();
    // Same bytes, new S3 version (a new object under another name of the same feed works too).
    const again = await h.runner.runSeedDrop(await h.putSeed(FEED, 'panel.csv', exampleSeedCsv()));
    expect(again.outcome.outcome).toBe('started');
    expect(again.execution!.name).not.toBe(first.execution!.name);
    expect(again.execution?.status, again.execution?.cause ?? '').toBe('SUCCEEDED');
    const counters = h.simulator.counters();
    expect(counters.calls['POST /v1/datasets'] ?? 0).toBe(0);
    expect(counters).toMatchObject({
      trainings: 0,
      generationsExecuted: 0,
      duplicateWork: 0,
      rowsReserved: 0,
    });
    const run = await h.repo.getRun(again.execution!.name);
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      duplicateOf: first.execution!.name,
      datasetId: firstRun!.datasetId,
      seedSha256: firstRun!.seedSha256,
    });
    expect(run?.outputs?.map((o) => o.outputKey).sort()).toEqual(
      firstRun!.outputs!.map((o) => o.outputKey).sort(),
    );
    expect(await h.feedKeys(FEED)).toEqual(landed);
    // Announced once, by the run that landed them: the duplicate sends no Scenario Landed event.
    expect(landedEvents(first.execution!.name)).toEqual(['baseline', 'premium']);
    expect(landedEvents(again.execution!.name)).toEqual([]);
    expect(run?.scenarios?.map((o) => [o.scenario, o.outcome, o.announcedBy])).toEqual(
      expect.arrayContaining([
        ['baseline', 'landed', first.execution!.name],
        ['premium', 'landed', first.execution!.name],
      ]),
    );
  });

  it('generates only what is new when the same bytes come back with another scenario', async () => {
    await h.putScenarios(FEED, {
      scenarios: [...SCENARIOS, { name: 'extra', row_count: 40, output_format: 'csv' }],
    });
    h.simulator.resetCounters();
    const from = h.events.length;
    const again = await h.runner.runSeedDrop(await h.putSeed(FEED, 'panel.csv', exampleSeedCsv()));
    expect(again.execution?.status, again.execution?.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters()).toMatchObject({ trainings: 0, generationsExecuted: 1, duplicateWork: 0 });
    expect(landedEvents(again.execution!.name, from)).toEqual(['extra']);
    expect(await h.feedKeys(FEED)).toHaveLength(3);
  });

  it('treats different bytes under the same key as a new seed', async () => {
    h.simulator.resetCounters();
    const changed = `${exampleSeedCsv()}Premium,North,44,120.00\n`;
    const drop = await h.runner.runSeedDrop(await h.putSeed(FEED, 'panel.csv', changed));
    expect(drop.execution?.status, drop.execution?.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters()).toMatchObject({ trainings: 1, duplicateWork: 0 });
    const run = await h.repo.getRun(drop.execution!.name);
    expect(run?.duplicateOf ?? null).toBeNull();
  });

  it('`runs` lists every run of the feed with its scenarios and a clear duplicate line', async () => {
    const out: string[] = [];
    const runs = createRunsCommand({ stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
    expect(await runs.run(['--feed', FEED, '--table', h.names.table, '--json'])).toBe(0);
    const listed = (JSON.parse(out.join('')) as { runs: ListedRun[] }).runs;
    expect(listed).toHaveLength(4);
    const duplicates = listed.filter((r) => r.duplicateOf !== null);
    expect(duplicates).toHaveLength(2);
    const original = listed.find((r) => r.runId === duplicates[0]!.duplicateOf)!;
    expect(original.scenarios.map((s) => [s.scenario, s.outcome]).sort()).toEqual([
      ['baseline', 'landed'],
      ['premium', 'landed'],
    ]);
    out.length = 0;
    expect(await runs.run(['--feed', FEED, '--table', h.names.table])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`duplicate of ${original.runId}: same seed bytes`);
    expect(text).toMatch(/landed\s+extra\s+40 rows csv/);
    out.length = 0;
    expect(await runs.run(['--feed', FEED])).toBe(2);
    expect(out.join('')).toMatch(/--table NAME \(or \$SIMULACRA_STATE_TABLE\) is required/);
  });
});
