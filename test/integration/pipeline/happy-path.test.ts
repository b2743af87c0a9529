import { describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';
import { INFEASIBLE_SCENARIO, PREMIUM_SCENARIO } from '../../fixtures/scenarios.ts';

const h = usePipelineHarness();

const GENERATIONS_ROUTE = 'POST /v1/datasets/{dataset_id}/generations';

describe('ingest state machine (managed mode, real handlers, simulator, moto)', () => {
  it('turns one seed drop into landed scenarios, a feed record and a succeeded run', async () => {
    await h.putScenarios('retail', {
      scenarios: [PREMIUM_SCENARIO, { name: 'baseline', row_count: 100, output_format: 'csv' }],
    });
    const drop = await h.putSeed('retail', 'panel.csv', exampleSeedCsv());
    const { outcome, execution } = await h.runner.runSeedDrop(drop);
    expect(outcome.outcome).toBe('started');
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'SUCCEEDED', feed: 'retail', kind: 'ingest' });
    expect(run?.outputs?.map((o) => o.scenario).sort()).toEqual(['baseline', 'premium']);
    expect(run?.outputs?.every((o) => !o.partial && o.rowsGenerated > 0)).toBe(true);
    expect(run?.eventsPublishedAt).toBeTruthy();
    const feed = await h.repo.getFeed('retail');
    expect(feed).toMatchObject({ datasetId: run?.datasetId, latestSeed: { key: 'seeds/retail/panel.csv' } });
    expect(feed?.schemaFingerprint).toMatch(/^[0-9a-f]{64}$/);
    for (const output of run!.outputs!)
      expect(await h.outputKeys(output.outputKey)).toEqual([output.outputKey]);
  });

  it('stays under 40 state transitions for a single-scenario run', async () => {
    const drop = await h.putSeed('single', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const polls =
      (execution!.taskInvocations.PollTraining ?? 0) + (execution!.taskInvocations.PollGeneration ?? 0);
    // 14 fixed states (each further scenario would add 6: IsScenarioRunnable, CreateGeneration,
    // IsGenerationDone, LandArtifact, RegisterCatalog, RecordScenario) plus Wait + Poll + Choice per poll.
    expect(execution!.stateTransitions).toBe(16 + 3 * polls);
    expect(execution!.stateTransitions).toBeLessThan(40);
  });

  it('lands a partial generation and says so in the run record', async () => {
    await h.putScenarios('tight', {
      scenarios: [INFEASIBLE_SCENARIO],
    });
    const drop = await h.putSeed('tight', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const run = await h.repo.getRun(execution!.name);
    expect(run?.outputs?.[0]).toMatchObject({ scenario: 'young-value', partial: true });
    expect(run!.outputs![0]!.rowsGenerated).toBeLessThan(200);
  });

  it('rejects only the scenario with an unknown column, before any vendor call for it', async () => {
    await h.putScenarios('typo', {
      scenarios: [
        { name: 'fine', row_count: 50, output_format: 'csv' },
        {
          name: 'typo',
          row_count: 50,
          output_format: 'csv',
          conditions: { categorical: { regionn: { North: 1 } } },
        },
      ],
    });
    h.simulator.resetCounters();
    const drop = await h.putSeed('typo', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    // One scenario landed, one did not: PARTIAL (docs/run-outcomes.md), the execution fails after recording.
    expect(execution?.error, execution?.cause ?? '').toBe('RunPartiallyFailed');
    expect(h.simulator.counters().calls[GENERATIONS_ROUTE] ?? 0).toBe(1);
    expect(execution!.taskInvocations.CreateGeneration ?? 0).toBe(1);
    const run = await h.repo.getRun(execution!.name);
    expect(run?.status).toBe('PARTIAL');
    expect(run?.scenarioCounts).toEqual({ landed: 1, partial: 0, failed: 1, skipped: 0 });
    expect(run?.failure?.code).toBe('scenario_conditions_invalid');
    expect(run?.outputs?.map((o) => o.scenario)).toEqual(['fine']);
    expect(run?.rejectedScenarios).toEqual([
      { name: 'typo', code: 'scenario_conditions_invalid', message: expect.stringContaining('"regionn"') },
    ]);
    expect(run?.rejectedScenarios?.[0]?.message).toMatch(/Did you mean "region"\?/);
  });

  it('fails the run when no scenario fits, before any generation is created', async () => {
    await h.putScenarios('typo-only', {
      scenarios: [
        {
          name: 'typo',
          row_count: 50,
          output_format: 'csv',
          conditions: { numeric: { agee: { min: 1, max: 2 } } },
        },
      ],
    });
    h.simulator.resetCounters();
    const drop = await h.putSeed('typo-only', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(h.simulator.counters().calls[GENERATIONS_ROUTE] ?? 0).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({
      status: 'FAILED',
      failure: { error: 'InputValidationError', code: 'scenario_conditions_invalid' },
    });
    expect(run?.failure?.detail).toContain('agee');
    expect(run?.eventsPublishedAt).toBeTruthy();
  });

  it('refuses a malformed scenario file before the seed is uploaded: no vendor training bought', async () => {
    await h.putScenarios('bad-file', {
      scenarios: [{ name: 'Bad Name', row_count: -5, output_format: 'csv' }],
    });
    h.simulator.resetCounters();
    const drop = await h.putSeed('bad-file', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(h.simulator.counters().calls['POST /v1/datasets'] ?? 0).toBe(0);
    expect(h.simulator.counters().trainings).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'FAILED', failure: { code: 'invalid_scenario_file' } });
    expect(run?.failure?.detail).toMatch(/scenarios\[0\]\.row_count/);
    expect(run?.failure?.detail).toMatch(/no vendor training was started/);
  });

  it('sends a range wholly outside the seed range as written: the vendor clamps it, the manifest flags it', async () => {
    await h.putScenarios('outside', {
      scenarios: [
        { name: 'ordinary', row_count: 60, output_format: 'csv' },
        {
          name: 'elderly',
          row_count: 60,
          output_format: 'csv',
          conditions: { numeric: { age: { min: 150, max: 200 } } },
        },
      ],
    });
    const drop = await h.putSeed('outside', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const run = await h.repo.getRun(execution!.name);
    expect(run?.outputs?.map((o) => o.scenario).sort()).toEqual(['elderly', 'ordinary']);
    const elderly = run!.outputs!.find((o) => o.scenario === 'elderly')!;
    expect(elderly.partial).toBe(true);
    const manifest = await h.readManifest(elderly.manifestKey);
    expect(manifest.requestedConditions).toEqual({ numeric: { age: { min: 150, max: 200 } } });
    expect(manifest.conformance).toMatchObject({
      conforms: true,
      clampedColumns: ['age'],
      numeric: [{ column: 'age', clamped: { writtenMin: 150, writtenMax: 200, outside: 'wholly' } }],
    });
  });

  it('runs one execution and creates one vendor dataset for a duplicated S3 event', async () => {
    h.simulator.resetCounters();
    const drop = await h.putSeed('dupes', 'seed.csv', exampleSeedCsv());
    const first = await h.runner.runSeedDrop(drop);
    const second = await h.runner.runSeedDrop(drop);
    expect(first.outcome.outcome).toBe('started');
    expect(second.outcome).toMatchObject({ outcome: 'duplicate', runId: first.execution!.name });
    expect(second.execution).toBeNull();
    expect(h.simulator.counters().calls['POST /v1/datasets']).toBe(1);
    expect(h.simulator.counters().trainings).toBe(1);
    // Even the same seed ingested again under another execution name reuses the live vendor
    // dataset (content-addressed seeds): no upload, no training.
    const again = await h.runner.execute(
      'ingest',
      { feed: 'dupes', seed: (first.execution!.events[0]!.input as { seed: unknown }).seed },
      'redrive-1',
    );
    expect(again.status, again.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters().trainings).toBe(1);
    expect(h.simulator.counters().calls['POST /v1/datasets']).toBe(1);
    expect(again.events.filter((e) => e.type === 'StateEntered')[0]).toBeDefined();
  });

  it('rejects and tags a file that is not a seed, without starting anything', async () => {
    const drop = await h.putSeed('retail', 'notes.txt', 'hello');
    const result = await h.runner.runSeedDrop(drop);
    expect(result.outcome).toMatchObject({ outcome: 'rejected', code: 'unsupported_type' });
    expect(result.execution).toBeNull();
    const runs = await h.repo.listFeedRuns('retail');
    expect(runs.some((r) => r.status === 'REJECTED')).toBe(true);
  });
});
