/**
 * The largest feed the product allows (100 scenarios) on a 40-column schema, run on the local
 * runner with Step Functions' quotas on: every state stays under 256 KiB (UTF-8), or the file is
 * refused before any vendor call with what to change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exampleSeedCsv,
  startPipelineHarness,
  type PipelineHarness,
} from '../../support/pipeline-harness.ts';
import { LocalPipelineRunner, type LocalHandler } from '../../../src/local/runner.ts';
import { STATE_PAYLOAD_LIMIT_BYTES, utf8JsonBytes } from '../../../src/local/sfn-quotas.ts';

const CATEGORIES = ['Premium', 'Mainstream', 'Value'];
const CATEGORICAL = Array.from({ length: 10 }, (_, i) => `Segment ${i + 1} (tier)`);
const NUMERIC = Array.from({ length: 30 }, (_, i) => `Metric ${i + 1} (units)`);

/** 40 columns with headers as a spreadsheet has them (spaces, parentheses). */
function wideSeedCsv(rows = 60): string {
  const lines = [[...CATEGORICAL, ...NUMERIC].map((h) => `"${h}"`).join(',')];
  for (let r = 0; r < rows; r++) {
    const cats = CATEGORICAL.map((_, c) => CATEGORIES[(r + c) % 3]);
    const nums = NUMERIC.map((_, c) => String(10 + ((r * (c + 3)) % 90)));
    lines.push([...cats, ...nums].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** 100 scenarios, each conditioned on `columns` numeric columns and one categorical column. */
function scenarios(columns: number): unknown {
  return {
    scenarios: Array.from({ length: 100 }, (_, i) => ({
      name: `scenario-${String(i).padStart(3, '0')}`,
      row_count: 20,
      output_format: 'csv',
      conditions: {
        categorical: { [CATEGORICAL[i % 10]!]: { Premium: 0.5, Value: 0.5 } },
        numeric: Object.fromEntries(
          Array.from({ length: columns }, (_, c) => [NUMERIC[(i + c) % 30]!, { min: 20, max: 80 }]),
        ),
      },
    })),
  };
}

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness({ runner: { mapMaxConcurrency: 40 } });
});
afterAll(async () => h?.stop());

describe('100 scenarios on a 40-column schema under Step Functions quotas', () => {
  it('runs to the end with every state under 256 KiB of UTF-8', async () => {
    await h.putScenarios('wide', scenarios(2));
    const drop = await h.putSeed('wide', 'wide.csv', wideSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, `${execution?.error}: ${execution?.cause}`).toBe('SUCCEEDED');
    const run = await h.repo.getRun(execution!.name);
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.outputs).toHaveLength(100);
    let largest = 0;
    for (const event of execution!.events) {
      const state = event.state as { input?: unknown; output?: unknown } | undefined;
      if (state) largest = Math.max(largest, utf8JsonBytes(state.input), utf8JsonBytes(state.output));
    }
    expect(largest).toBeGreaterThan(50 * 1024);
    expect(largest).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES);
    expect(execution!.maxConcurrentIterations).toBeLessThanOrEqual(40);
    expect(execution!.historyLength).toBeLessThan(25_000);
  }, 600_000);

  it('refuses a file that cannot fit before any vendor call, saying what to change', async () => {
    await h.putScenarios('too-wide', scenarios(30));
    h.simulator.resetCounters();
    const drop = await h.putSeed('too-wide', 'wide.csv', wideSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(h.simulator.counters().calls['POST /v1/datasets'] ?? 0).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'FAILED', failure: { code: 'scenario_file_too_large' } });
    expect(run?.failure?.detail).toMatch(/About \d+ scenarios like these fit in one run/);
    expect(run?.failure?.detail).toMatch(/split them across feeds or condition each on fewer columns/);
  }, 120_000);

  it('fails the run as on AWS when a state goes over 256 KiB: no catcher runs, the run record still ends FAILED', async () => {
    const { handler } = (await import('../../../lambdas/create-generation.ts')) as { handler: LocalHandler };
    const runner = new LocalPipelineRunner({
      env: h.env,
      handlerOverrides: {
        // The generation's reply with 300 KiB more than it should carry.
        CreateGeneration: async (event, context) => ({
          ...((await handler(event, context)) as object),
          padding: 'x'.repeat(300 * 1024),
        }),
      },
    });
    const drop = await h.putSeed('oversized', 'seed.csv', exampleSeedCsv());
    const { execution } = await runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('States.DataLimitExceeded');
    expect(execution?.taskInvocations['RecordScenario'] ?? 0).toBe(0);
    expect(execution?.taskInvocations['RecordFailure'] ?? 0).toBe(0);
    expect(execution?.statusChange?.error).toBeNull();
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'FAILED', failure: { error: 'States.DataLimitExceeded' } });
    expect(run?.eventsPublishedAt).toBeTruthy();
  }, 120_000);
});
