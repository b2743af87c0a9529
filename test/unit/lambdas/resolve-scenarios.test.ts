import { context } from '../../support/lambda-env.ts';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../lambdas/resolve-scenarios.ts';
import { logger } from '../../../lambdas/commons/observability.ts';
import { resetVendorClientForTests, setVendorClientForTests } from '../../../lambdas/commons/vendor.ts';
import type { Dataset, DatasetSchema } from '../../../src/client/contract.ts';
import { VendorPacingError } from '../../../src/client/index.ts';
import { currentPacingTurn } from '../../../src/client/pacing-reservation.ts';
import { fakeApi, meta, seed } from '../../support/fake-vendor-api.ts';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
const input = { runId: 'run-1', feed: 'retail-panel', datasetId: 'ds_1', seed };
type Event = typeof input & { readonly scenarios?: string[] };

/** The handler's output for `event` (as the state machine passes it), failing the test on a wait. */
async function run(event: Event) {
  const out = await handler({ ...event, maxConcurrency: 4, vendorWait: null, retryCount: 0 }, context);
  if (!('pending' in out)) throw new Error(`unexpected output: ${JSON.stringify(out)}`);
  expect(out.maxConcurrency).toBe(4);
  return { scenarios: out.pending };
}

/** What the handler logged about the resolution (the scenario file it read, rejected scenarios). */
function resolutionLog(info: { mock: { calls: unknown[][] } }): Record<string, unknown> {
  const call = info.mock.calls.find(([message]) => message === 'Scenarios resolved');
  return (call?.[1] ?? {}) as Record<string, unknown>;
}

const dataset: Dataset = {
  dataset_id: 'ds_1',
  status: 'ready',
  request_id: 'req_ds',
  created_at: '2026-05-01T17:30:00Z',
  expires_at: '2026-05-02T17:30:00Z',
  display_name: null,
  cleaning_summary: null,
  training_summary: null,
  meta,
};
const schema: DatasetSchema = {
  dataset_id: 'ds_1',
  request_id: 'req_schema',
  meta,
  schema: [
    {
      name: 'segment',
      type: 'factor',
      levels: ['Premium', 'Value'],
      min: null,
      max: null,
      conditioning_excluded: false,
    },
    { name: 'age', type: 'integer', levels: null, min: 18, max: 80, conditioning_excluded: false },
  ],
};

function scenarioFile(body: unknown): void {
  s3.on(GetObjectCommand).resolves({
    VersionId: 'sv1',
    Body: { transformToString: () => Promise.resolve(JSON.stringify(body)) } as never,
  });
}

beforeEach(() => {
  s3.reset();
  ddb.reset();
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  setVendorClientForTests(
    fakeApi({ getDataset: () => Promise.resolve(dataset), getDatasetSchema: () => Promise.resolve(schema) }),
  );
});
afterEach(() => {
  resetVendorClientForTests();
  vi.restoreAllMocks();
});

describe('resolve-scenarios handler', () => {
  it('resolves every scenario of the feed file and records the dataset as current', async () => {
    scenarioFile({
      scenarios: [
        {
          name: 'premium',
          row_count: 500,
          output_format: 'csv',
          conditions: { categorical: { Segment: { Premium: 0.8, Value: 0.2 } } },
        },
        {
          name: 'older',
          row_count: 100,
          output_format: 'parquet',
          conditions: { numeric: { age: { min: 60, max: 95 } } },
        },
      ],
    });
    const info = vi.spyOn(logger, 'info');
    const out = await run(input);
    expect(resolutionLog(info).source).toBe('s3://acme-seeds/seeds/retail-panel/scenarios.json#sv1');
    expect(out.scenarios.map((s) => s.scenario.name)).toEqual(['premium', 'older']);
    expect(out.scenarios[0]!.conditions).toEqual({ categorical: { segment: { Premium: 0.8, Value: 0.2 } } });
    expect(out.scenarios[0]!.requestedConditions).toEqual({
      categorical: { Segment: { Premium: 0.8, Value: 0.2 } },
    });
    expect(out.scenarios[1]!.clamps).toMatchObject([
      { column: 'age', bound: 'max', requested: 95, applied: 80 },
    ]);
    const feedUpdate = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(feedUpdate.Key).toEqual({ pk: 'FEED#retail-panel', sk: 'FEED' });
    expect(feedUpdate.ExpressionAttributeValues).toMatchObject({
      ':ds': 'ds_1',
      ':expires': '2026-05-02T17:30:00Z',
    });
  });

  const twoScenarios = {
    scenarios: [
      { name: 'premium-heavy', row_count: 500, output_format: 'csv' },
      { name: 'older', row_count: 100, output_format: 'parquet' },
    ],
  };

  it('leaves out the scenarios the run already landed (its execution redriven) or re-drives', async () => {
    scenarioFile(twoScenarios);
    ddb.on(GetCommand).callsFake((command: { Key: { sk: string } }) => {
      const { sk } = command.Key;
      if (sk === 'RUN')
        return { Item: { pk: `RUN#${input.runId}`, sk, runId: input.runId, status: 'PARTIAL' } };
      if (sk === 'SCENARIO#older')
        return { Item: { pk: `RUN#${input.runId}`, sk, scenario: 'older', outcome: 'landed' } };
      return { Item: { pk: `RUN#${input.runId}`, sk, scenario: 'premium-heavy', outcome: 'failed' } };
    });
    const out = await run(input);
    expect(out.scenarios.map((s) => s.scenario.name)).toEqual(['premium-heavy']);
  });

  it('resolves only the scenarios the run names, in the feed file order', async () => {
    scenarioFile(twoScenarios);
    const out = await run({ ...input, scenarios: ['older', 'premium-heavy', 'older'] });
    expect(out.scenarios.map((s) => s.scenario.name)).toEqual(['premium-heavy', 'older']);
    const one = await run({ ...input, scenarios: ['older'] });
    expect(one.scenarios.map((s) => s.scenario.name)).toEqual(['older']);
    const all = await run({ ...input, scenarios: [] });
    expect(all.scenarios).toHaveLength(2);
  });

  it('fails fast on an unknown scenario name, listing the feed’s scenarios', async () => {
    scenarioFile(twoScenarios);
    const api = fakeApi({
      getDataset: () => Promise.resolve(dataset),
      getDatasetSchema: () => Promise.resolve(schema),
    });
    setVendorClientForTests(api);
    const err = (await run({ ...input, scenarios: ['older', 'premium-hevy'] }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.name).toBe('InputValidationError');
    const details = JSON.parse(err.message) as { code: string; detail: string };
    expect(details.code).toBe('unknown_scenario');
    expect(details.detail).toBe(
      'Feed "retail-panel" has no scenario "premium-hevy"; its scenarios are "premium-heavy", "older".',
    );
    expect(api.getDatasetSchema).not.toHaveBeenCalled();
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('names the default scenario when the feed has no scenario file', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no key'), { name: 'NoSuchKey' }));
    const err = (await run({ ...input, scenarios: ['premium-heavy'] }).catch((e: unknown) => e)) as Error;
    expect(JSON.parse(err.message)).toMatchObject({ code: 'unknown_scenario' });
    expect((JSON.parse(err.message) as { detail: string }).detail).toMatch(/its scenarios are "[a-z-]+"\.$/);
  });

  it('uses the default scenario when the feed has no scenario file', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('no key'), { name: 'NoSuchKey' }));
    const info = vi.spyOn(logger, 'info');
    const out = await run(input);
    expect(resolutionLog(info).source).toBe('default');
    expect(out.scenarios).toHaveLength(1);
    expect(out.scenarios[0]!.conditions).toBeNull();
  });

  it('fails the run before any generation when no scenario fits the schema', async () => {
    scenarioFile({
      scenarios: [
        {
          name: 'bad',
          row_count: 10,
          output_format: 'csv',
          conditions: { categorical: { regionn: { North: 1 } } },
        },
      ],
    });
    const err = (await run(input).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InputValidationError');
    const details = JSON.parse(err.message) as { code: string; detail: string; dataset_id: string };
    expect(details).toMatchObject({ code: 'scenario_conditions_invalid', dataset_id: 'ds_1' });
    expect(details.detail).toContain('regionn');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('rejects only the scenario whose conditions do not fit, records it, and keeps the others', async () => {
    scenarioFile({
      scenarios: [
        { name: 'fine', row_count: 10, output_format: 'csv' },
        {
          name: 'bad-level',
          row_count: 10,
          output_format: 'csv',
          conditions: { categorical: { segment: { Premum: 1 } } },
        },
      ],
    });
    const out = await run(input);
    expect(out.scenarios.map((s) => s.scenario.name)).toEqual(['fine']);
    const recorded = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((u) => u.UpdateExpression?.includes('rejectedScenarios'));
    expect(recorded?.ExpressionAttributeValues?.[':rejected']).toEqual([
      {
        name: 'bad-level',
        code: 'scenario_conditions_invalid',
        message: expect.stringMatching(/Did you mean "Premium"\?/),
      },
    ]);
  });

  it('reports an invalid scenario file with its location', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: { transformToString: () => Promise.resolve('{"scenarios": [,]}') } as never,
    });
    const err = (await run(input).catch((e: unknown) => e)) as Error;
    expect(JSON.parse(err.message)).toMatchObject({ code: 'invalid_scenario_file' });
  });

  it('waits its turn for both vendor reads behind the shared pacing, reserving a slot for each', async () => {
    scenarioFile(twoScenarios);
    const reservation = { operation: 'getDataset', reservedAt: 1_800_000_000_000, slots: 2 };
    const turns: unknown[] = [];
    setVendorClientForTests(
      fakeApi({
        getDataset: () => {
          turns.push(currentPacingTurn()?.requests);
          return Promise.reject(new VendorPacingError('getDataset', 42, reservation));
        },
        getDatasetSchema: () => Promise.resolve(schema),
      }),
    );
    const out = await handler({ ...input, maxConcurrency: 4, vendorWait: null, retryCount: 0 }, context);
    expect(out).toEqual({
      vendorWait: { seconds: 42, reason: 'paced', ...reservation, waits: 1 },
    });
    expect(turns).toEqual([2]);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    // Its next run holds both slots.
    setVendorClientForTests(
      fakeApi({
        getDataset: () => {
          turns.push(currentPacingTurn()?.held);
          return Promise.resolve(dataset);
        },
        getDatasetSchema: () => Promise.resolve(schema),
      }),
    );
    const vendorWait = (out as { vendorWait: object }).vendorWait;
    const next = await handler({ ...input, maxConcurrency: 4, vendorWait, retryCount: 0 }, context);
    expect(next).toMatchObject({ maxConcurrency: 4, pending: [{}, {}] });
    expect(turns[1]).toEqual(reservation);
  });

  it('answers an execution started on the definition before the wait loop as that definition expects', async () => {
    scenarioFile(twoScenarios);
    // No maxConcurrency, no vendorWait: the whole result, whose `scenarios` its ResultSelector reads.
    const out = await handler(input, context);
    expect(out).toMatchObject({ scenarios: [{}, {}], source: expect.any(String) });
    // A pacing refusal is that definition's VendorPacedError (its Retry), not a wait it cannot take.
    setVendorClientForTests(
      fakeApi({
        getDataset: () => Promise.reject(new VendorPacingError('getDataset', 42)),
        getDatasetSchema: () => Promise.resolve(schema),
      }),
    );
    const err = (await handler(input, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('VendorPacedError');
  });
});
