/** The run-record function's safety net: "Execution Status Change" events from ExecutionEndedRule. */
import { context } from '../../support/lambda-env.ts';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/record-run.ts';
import { seed } from '../../support/fake-vendor-api.ts';
import { ddb, events, useRecordRunMocks } from '../../support/record-run-mocks.ts';

useRecordRunMocks();

function finishUpdate() {
  return ddb
    .commandCalls(UpdateCommand)
    .find((c) => c.args[0].input.UpdateExpression?.startsWith('SET #status'));
}

describe('record-run handler: executions that ended unrecorded (ExecutionEndedRule)', () => {
  const statusChange = (status: string, error: string | null) => ({
    version: '0',
    id: 'ev-1',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2026-05-01T18:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:states:us-east-1:123456789012:execution:ingest:r'],
    detail: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:ingest:r',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ingest',
      name: 'r',
      status,
      error,
      cause: error ? 'The state/task returned a result with a size exceeding the limit.' : null,
    },
  });

  it('finishes a RUNNING run as FAILED with the execution error and sends Run Finished', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'RUN#r',
        sk: 'RUN',
        runId: 'r',
        kind: 'ingest',
        status: 'RUNNING',
        feed: 'retail-panel',
        seed,
      },
    });
    const out = await handler(statusChange('FAILED', 'States.DataLimitExceeded'), context);
    expect(out).toMatchObject({ recorded: true, status: 'FAILED' });
    expect(finishUpdate()?.args[0].input.ExpressionAttributeValues?.[':failure']).toMatchObject({
      error: 'States.DataLimitExceeded',
    });
    expect(
      events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries?.map((e) => e.DetailType)),
    ).toEqual(['Run Finished']);
  });

  it('leaves a run that recorded itself alone (PARTIAL and FAILED runs also fail their execution)', async () => {
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'RUN#r', sk: 'RUN', runId: 'r', kind: 'ingest', status: 'PARTIAL' } });
    const out = await handler(statusChange('FAILED', 'RunPartiallyFailed'), context);
    expect(out).toMatchObject({ recorded: false, status: 'PARTIAL' });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(events.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('names a timeout when the execution timed out', async () => {
    ddb.on(GetCommand).resolves({
      Item: { pk: 'RUN#r', sk: 'RUN', runId: 'r', kind: 'generate', status: 'QUEUED', feed: 'retail-panel' },
    });
    await handler(statusChange('TIMED_OUT', null), context);
    expect(finishUpdate()?.args[0].input.ExpressionAttributeValues?.[':failure']).toMatchObject({
      error: 'States.Timeout',
    });
  });
});
