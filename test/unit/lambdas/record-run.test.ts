import { context, fixture } from '../../support/lambda-env.ts';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/record-run.ts';
import { seed } from '../../support/fake-vendor-api.ts';
import {
  ddb,
  events,
  finished,
  scenarioItem,
  sent,
  useRecordRunMocks,
} from '../../support/record-run-mocks.ts';

useRecordRunMocks();

const landed = {
  outputKey: 'synthetic/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.parquet',
  manifestKey: '_manifests/feed=retail-panel/scenario=base/dt=2026-05-01/gen_1.json',
  rowsGenerated: 900,
  rowsRequested: 1000,
  partial: true,
  format: 'parquet',
  bytes: 1234,
  dt: '2026-05-01',
};

describe('record-run handler', () => {
  it('records a failure with the vendor code, request id and ids, and emits one Run Finished (FAILED)', async () => {
    const out = await handler(await fixture('sfn-record-failure-input.json'), context);
    expect(out).toMatchObject({
      status: 'FAILED',
      eventsPublished: 1,
      code: 'simio_unknown_condition_column',
    });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toContain('attribute_not_exists(#status)');
    expect(update.ExpressionAttributeValues![':failure']).toMatchObject({
      error: 'VendorTerminalError',
      code: 'simio_unknown_condition_column',
      status: 400,
      request_id: 'req_9f8e7d',
      dataset_id: 'ds_7Hq2',
      operation: 'createGeneration',
    });
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      EventBusName: 'pipeline-bus',
      Source: 'simulacra.pipeline',
      DetailType: 'Run Finished',
    });
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      feed: 'retail-panel',
      status: 'FAILED',
      scenarios: { landed: 0, failed: 0 },
      failure: {
        code: 'simio_unknown_condition_column',
        request_id: 'req_9f8e7d',
        dataset_id: 'ds_7Hq2',
      },
      seed: { bucket: 'acme-seeds', key: 'seeds/retail-panel/panel-2026-05.csv' },
    });
    expect(sent()).toHaveLength(1);
  });

  const iteration = (extra: Record<string, unknown>) => ({
    action: 'scenario',
    runId: 'r',
    executionArn: 'arn:exec',
    state: {
      runId: 'r',
      feed: 'retail-panel',
      datasetId: 'ds_1',
      resolved: { scenario: { name: 'base', row_count: 1000 } },
      ...extra,
    },
  });

  it("keeps the landing's quality headline on the scenario's record (what `runs` shows)", async () => {
    const quality = {
      passed: true,
      fidelityScore: 0.91,
      exactMatchShare: 0,
      exactMatchExcess: 0,
      dcrCloseShare: 0.04,
      passThroughColumns: 1,
      failedMetrics: [],
    };
    await handler(
      iteration({ generation: { generationId: 'gen_1', jobId: 'job_g1' }, landed: { ...landed, quality } }),
      context,
    );
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      sk: 'SCENARIO#base',
      quality,
    });
  });

  it('records a landed scenario as its iteration ends and publishes its own Scenario Landed', async () => {
    const out = await handler(
      iteration({ generation: { generationId: 'gen_1', jobId: 'job_g1' }, landed }),
      context,
    );
    expect(out).toEqual({
      scenario: 'base',
      outcome: 'partial',
      generationId: 'gen_1',
      manifestKey: landed.manifestKey,
      code: null,
    });
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({
      pk: 'RUN#r',
      sk: 'SCENARIO#base',
      outcome: 'partial',
      outputKey: landed.outputKey,
    });
    const [event] = sent();
    expect(event?.detailType).toBe('Scenario Landed');
    expect(event?.detail).toMatchObject({
      runId: 'r',
      kind: 'ingest',
      scenario: 'base',
      datasetId: 'ds_1',
      generationId: 'gen_1',
      jobId: 'job_g1',
      outputKey: landed.outputKey,
      partial: true,
      rowsGenerated: 900,
      seed: { bucket: seed.bucket, key: seed.key },
    });
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET eventPublishedAt = :now, announcedBy = :by',
      ExpressionAttributeValues: { ':by': null },
    });
  });

  it("records a failed scenario with the vendor's code, keeping what landed, and sends its Scenario Failed", async () => {
    const cause = JSON.stringify({
      errorType: 'CatalogError',
      errorMessage: JSON.stringify({ message: 'Glue is down', code: 'catalog_registration_failed' }),
    });
    const out = await handler(
      iteration({
        generation: { generationId: 'gen_1', jobId: null },
        landed: { ...landed, partial: false },
        error: { Error: 'VendorTerminalError', Cause: cause },
      }),
      context,
    );
    expect(out).toMatchObject({ outcome: 'failed', code: 'catalog_registration_failed' });
    const [event] = sent();
    expect(event?.detailType).toBe('Scenario Failed');
    expect(event?.detail).toMatchObject({
      scenario: 'base',
      outcome: 'failed',
      failure: { code: 'catalog_registration_failed', generation_id: 'gen_1' },
    });
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.Item).toMatchObject({ outcome: 'failed', outputKey: landed.outputKey });
  });

  it('records a skipped scenario without any event', async () => {
    const out = await handler(
      iteration({
        resolved: { scenario: { name: 'base' }, skip: { code: 'already_landed', reason: 'in run r0' } },
      }),
      context,
    );
    expect(out).toMatchObject({ outcome: 'skipped', code: 'already_landed' });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('finishes a run whose scenarios all landed as SUCCEEDED, sending only Run Finished', async () => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', 'landed'), scenarioItem('b', 'partial')] });
    const out = await handler(finished, context);
    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      eventsPublished: 1,
      error: null,
      counts: { landed: 1, partial: 1, failed: 0, skipped: 0 },
    });
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ExpressionAttributeValues![':outputs']).toEqual([
      expect.objectContaining({ scenario: 'a', partial: false }),
      expect.objectContaining({ scenario: 'b', partial: true }),
    ]);
    expect(sent()).toEqual([
      expect.objectContaining({
        detailType: 'Run Finished',
        detail: expect.objectContaining({ status: 'SUCCEEDED', scenarios: { landed: 2, failed: 0 } }),
      }),
    ]);
  });

  it('finishes a run with landed and failed scenarios as PARTIAL and fails the execution with a summary', async () => {
    const failure = { error: 'VendorTerminalError', code: 'simio_quota_exhausted', status: 402 };
    ddb
      .on(QueryCommand)
      .resolves({ Items: [scenarioItem('a', 'landed'), scenarioItem('b', 'failed', { failure })] });
    const out = await handler(finished, context);
    expect(out).toMatchObject({
      status: 'PARTIAL',
      error: 'RunPartiallyFailed',
      code: 'simio_quota_exhausted',
    });
    expect((out as { cause: string }).cause).toContain('not landed: b');
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':status': 'PARTIAL',
      ':failure': failure,
      ':counts': { landed: 1, partial: 0, failed: 1, skipped: 0 },
    });
    expect(sent()).toEqual([
      expect.objectContaining({
        detailType: 'Run Finished',
        detail: expect.objectContaining({
          status: 'PARTIAL',
          scenarios: { landed: 1, failed: 1 },
          failure: null,
        }),
      }),
    ]);
  });

  it('sends Scenario Failed for scenarios refused before any vendor call, recording each accepted id', async () => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', 'landed')] });
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        kind: 'ingest',
        seed,
        rejectedScenarios: [{ name: 'bad', code: 'invalid_scenario', message: 'row_count must be positive' }],
      },
    });
    const input = {
      ...finished,
      state: { ...finished.state, results: [{ scenario: 'a', outcome: 'landed' }] },
    };
    const out = await handler(input, context);
    expect(out).toMatchObject({ status: 'PARTIAL', eventsPublished: 2 });
    const [refused, run] = sent();
    expect(refused).toMatchObject({
      detailType: 'Scenario Failed',
      detail: { scenario: 'bad', outcome: 'failed', failure: { code: 'invalid_scenario' } },
    });
    expect(run).toMatchObject({
      detailType: 'Run Finished',
      detail: { status: 'PARTIAL', scenarios: { landed: 1, failed: 1 } },
    });
    // One PutEvents call accepted both: their ids are recorded with the "published" mark, one write.
    const recorded = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((u) => /^(SET eventsPublishedAt|ADD eventsSent)/.test(u.UpdateExpression ?? ''));
    expect(recorded.map((u) => u.UpdateExpression)).toEqual([
      'SET eventsPublishedAt = :now ADD eventsSent :ids',
    ]);
    expect([...(recorded[0]!.ExpressionAttributeValues![':ids'] as Set<string>)]).toEqual([
      refused!.detail['eventId'],
      run!.detail['eventId'],
    ]);
  });

  it('records the ids a partly refused PutEvents accepted before sending the rest, the last with the published mark', async () => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', 'landed')] });
    ddb.on(GetCommand).resolves({
      Item: {
        ...{ pk: 'RUN#r', sk: 'RUN', runId: 'r', kind: 'ingest', seed },
        rejectedScenarios: [{ name: 'bad', code: 'invalid_scenario', message: 'row_count must be positive' }],
      },
    });
    events
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'e1' }, { ErrorCode: 'InternalFailure' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e2' }] });
    const input = {
      ...finished,
      state: { ...finished.state, results: [{ scenario: 'a', outcome: 'landed' }] },
    };
    expect(await handler(input, context)).toMatchObject({ status: 'PARTIAL', eventsPublished: 2 });
    const [refused, run, again] = sent();
    expect(again!.detail['eventId']).toBe(run!.detail['eventId']);
    const writes = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((u) => u.UpdateExpression?.includes('eventsSent'));
    expect(
      writes.map((u) => [u.UpdateExpression, [...(u.ExpressionAttributeValues![':ids'] as Set<string>)]]),
    ).toEqual([
      ['ADD eventsSent :ids', [refused!.detail['eventId']]],
      ['SET eventsPublishedAt = :now ADD eventsSent :ids', [run!.detail['eventId']]],
    ]);
  });

  it('a retried Task sends only the events not yet accepted', async () => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', 'landed'), scenarioItem('b', 'landed')] });
    await handler(finished, context);
    const [first] = sent();
    events.resetHistory();
    ddb.on(UpdateCommand).callsFake((input: { UpdateExpression: string }) => {
      if (input.UpdateExpression.startsWith('SET #status')) {
        throw new ConditionalCheckFailedException({ message: 'final', $metadata: {} });
      }
      return {};
    });
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        status: 'SUCCEEDED',
        feed: 'retail-panel',
        kind: 'ingest',
        startedAt: '2026-05-01T17:30:00Z',
        finishedAt: '2026-05-01T17:40:00Z',
        eventsSent: new Set([String(first!.detail['eventId'])]),
      },
    });
    const out = await handler(finished, context);
    expect(out).toMatchObject({ eventsPublished: 0 });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('finishes a run where nothing landed as FAILED with the first scenario failure', async () => {
    const failure = {
      error: 'VendorTerminalError',
      code: 'generation_failed',
      detail: null,
      message: 'boom',
      status: null,
      request_id: 'req_1',
      x_request_id: null,
      operation: 'getGenerationJob',
      job_id: 'job_1',
      dataset_id: 'ds_1',
      generation_id: 'gen_a',
    };
    ddb.on(QueryCommand).resolves({
      Items: [scenarioItem('a', 'failed', { failure }), scenarioItem('b', 'failed', { failure })],
    });
    const out = await handler(finished, context);
    expect(out).toMatchObject({ status: 'FAILED', error: 'VendorTerminalError', code: 'generation_failed' });
    expect(JSON.parse((out as { cause: string }).cause)).toMatchObject({ message: 'boom' });
    expect(sent()).toEqual([
      expect.objectContaining({
        detailType: 'Run Finished',
        detail: expect.objectContaining({
          status: 'FAILED',
          scenarios: { landed: 0, failed: 2 },
          failure: expect.objectContaining({ code: 'generation_failed' }),
        }),
      }),
    ]);
  });

  it('does not resend events when replayed after they went out', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'done', $metadata: {} }));
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        status: 'FAILED',
        eventsPublishedAt: '2026-05-01T18:00:00Z',
      },
    });
    const out = await handler(await fixture('sfn-record-failure-input.json'), context);
    expect(out).toMatchObject({ status: 'FAILED', eventsPublished: 0 });
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('fails the Task (retryable) when EventBridge keeps refusing an entry', async () => {
    events
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    await expect(handler(await fixture('sfn-record-failure-input.json'), context)).rejects.toMatchObject({
      name: 'AwsRetryableError',
    });
  });
});
