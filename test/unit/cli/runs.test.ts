import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRunsCommand } from '../../../src/cli/commands/runs.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

const older = {
  pk: 'RUN#ingest-a',
  sk: 'RUN',
  runId: 'ingest-a',
  kind: 'ingest',
  feed: 'retail',
  status: 'SUCCEEDED',
  startedAt: '2026-05-01T10:00:00.000Z',
  datasetId: 'ds_1',
  seed: { key: 'seeds/retail/panel.csv' },
  outputs: [
    {
      scenario: 'baseline',
      generationId: 'gen_1',
      jobId: null,
      outputKey: 'synthetic/feed=retail/scenario=baseline/dt=2026-05-01/gen_1.csv',
      manifestKey: 'm',
      format: 'csv',
      rowsGenerated: 100,
      partial: false,
      bytes: 10,
    },
  ],
  rejectedScenarios: [
    {
      name: 'typo',
      code: 'scenario_conditions_invalid',
      message: 'The conditions of scenario "typo" …\n  - x',
    },
  ],
};
const newer = {
  ...older,
  pk: 'RUN#ingest-b',
  runId: 'ingest-b',
  startedAt: '2026-05-01T11:00:00.000Z',
  duplicateOf: 'ingest-a',
  rejectedScenarios: [],
};

beforeEach(() => {
  ddb.reset();
  ddb
    .on(ScanCommand)
    .resolvesOnce({ Items: [older], LastEvaluatedKey: { pk: 'x', sk: 'y' } })
    .resolvesOnce({ Items: [newer] });
});

describe('runs command', () => {
  it('scans every feed, newest first, one line per scenario outcome', async () => {
    const out: string[] = [];
    const runs = createRunsCommand({ dynamo: () => Promise.resolve(dynamo), stdout: (t) => out.push(t) });
    expect(await runs.run(['--table', 'state'])).toBe(0);
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(2);
    const text = out.join('\n');
    expect(text.indexOf('ingest-b')).toBeLessThan(text.indexOf('ingest-a  ingest'));
    expect(text).toContain('duplicate of ingest-a: same seed bytes');
    expect(text).toMatch(/landed\s+baseline\s+100 rows csv/);
    expect(text).toMatch(/rejected\s+typo\s+scenario_conditions_invalid: The conditions of scenario "typo"/);
  });

  it('shows the quality headline under each landed scenario, and a quarantined one as failed', async () => {
    const run = { ...older, pk: 'RUN#ingest-q', runId: 'ingest-q', outputs: [], rejectedScenarios: [] };
    const scenario = {
      pk: 'RUN#ingest-q',
      sk: 'SCENARIO#baseline',
      runId: 'ingest-q',
      scenario: 'baseline',
      outcome: 'landed',
      generationId: 'gen_q',
      outputKey: 'synthetic/feed=retail/scenario=baseline/dt=2026-05-01/gen_q.csv',
      format: 'csv',
      rowsGenerated: 100,
      recordedAt: '2026-05-01T12:00:00.000Z',
      quality: {
        passed: true,
        fidelityScore: 0.93,
        exactMatchShare: 0,
        exactMatchExcess: -0.002,
        dcrCloseShare: 0.031,
        passThroughColumns: 2,
        failedMetrics: [],
      },
    };
    const quarantined = {
      ...scenario,
      sk: 'SCENARIO#copied',
      scenario: 'copied',
      outcome: 'failed',
      outputKey: null,
      quality: null,
      failure: { code: 'quality_gate_failed', detail: 'exact_match_excess = 0.5 (must be <= 0.01)' },
    };
    ddb.reset();
    ddb.on(ScanCommand).resolves({ Items: [run, scenario, quarantined] });
    const out: string[] = [];
    const runs = createRunsCommand({ dynamo: () => Promise.resolve(dynamo), stdout: (t) => out.push(t) });
    expect(await runs.run(['--table', 'state'])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(
      /landed\s+baseline\s+100 rows csv[^\n]*\n\s+quality passed: fidelity 0\.93, exact match 0 \(excess over holdout -0\.002\), DCR close share 0\.031, pass-through columns 2/,
    );
    expect(text).toMatch(
      /failed\s+copied\s+quality_gate_failed: exact_match_excess = 0\.5 \(must be <= 0\.01\)/,
    );

    out.length = 0;
    expect(await runs.run(['--table', 'state', '--json'])).toBe(0);
    const listed = JSON.parse(out[0]!) as { runs: Array<{ scenarios: Array<{ quality?: unknown }> }> };
    expect(listed.runs[0]?.scenarios[0]?.quality).toEqual(scenario.quality);
  });

  it('takes the table from the environment and honours --limit', async () => {
    const out: string[] = [];
    const runs = createRunsCommand({
      dynamo: () => Promise.resolve(dynamo),
      stdout: (t) => out.push(t),
      env: { SIMULACRA_STATE_TABLE: 'state' },
    });
    expect(await runs.run(['--limit', '1', '--json'])).toBe(0);
    const listed = (JSON.parse(out[0]!) as { runs: Array<{ runId: string }> }).runs;
    expect(listed.map((r) => r.runId)).toEqual(['ingest-b']);
  });

  it('refuses bad options with the usage', async () => {
    const err: string[] = [];
    const runs = createRunsCommand({
      dynamo: () => Promise.resolve(dynamo),
      stderr: (t) => err.push(t),
      env: {},
    });
    expect(await runs.run(['--limit', '0'])).toBe(2);
    expect(err.join('')).toMatch(/--table NAME.*required[\s\S]*--limit must be 1..1000/);
  });
});
