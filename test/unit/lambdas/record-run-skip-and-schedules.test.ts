/**
 * The run-record handler's two answers to "the feed has no dataset yet": a scheduled generation
 * that found nothing to generate from is SKIPPED (recorded with its reason, announced by a
 * Run Finished v2 event, not a failure), and an ingest run that gives the feed its dataset
 * enables the feed's schedules, writing each back whole (UpdateSchedule resets what it is not given).
 */
import { context } from '../../support/lambda-env.ts';
import { GetScheduleCommand, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/record-run.ts';
import { scheduleUpdate } from '../../../src/pipeline/feed-schedules.ts';
import {
  ddb,
  finished,
  scenarioItem,
  scheduler,
  sent,
  useRecordRunMocks,
} from '../../support/record-run-mocks.ts';

// What the construct sets: the schedules left to the pipeline, by feed.
process.env['FEED_SCHEDULES'] = JSON.stringify({
  'retail-panel': [
    { name: 'retail-daily', group: 'default' },
    { name: 'retail-weekly', group: 'default' },
  ],
  other: [{ name: 'other-daily', group: 'default' }],
});

useRecordRunMocks();

const skipped = {
  outcome: 'skipped',
  kind: 'generate',
  runId: 'r',
  executionArn: 'arn:exec',
  state: {
    runId: 'r',
    feed: 'retail-panel',
    scenarios: [],
    skipped: { code: 'feed_not_ready', reason: 'Feed "retail-panel" has no trained seed yet; drop a seed.' },
  },
};

/** A schedule as GetSchedule answers it, everything set that UpdateSchedule would reset. */
function definition(name: string, state: 'ENABLED' | 'DISABLED') {
  return {
    $metadata: {},
    Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${name}`,
    Name: name,
    GroupName: 'default',
    State: state,
    Description: 'Simulacra generation for feed retail-panel',
    ScheduleExpression: 'cron(0 6 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE' as const, MaximumWindowInMinutes: 15 },
    Target: {
      Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:generate',
      RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
      Input: '{"feed":"retail-panel","trigger":"schedule","slot":"<aws.scheduler.scheduled-time>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:dlq' },
    },
    StartDate: new Date('2020-01-01T00:00:00Z'),
    EndDate: new Date('2099-01-01T00:00:00Z'),
    CreationDate: new Date('2026-05-01T00:00:00Z'),
    LastModificationDate: new Date('2026-05-01T00:00:00Z'),
  };
}

function updates() {
  return scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input);
}

describe('a skipped scheduled run', () => {
  it('is recorded SKIPPED with its reason and announced by Run Finished v2, without failing', async () => {
    const out = await handler(skipped, context);
    expect(out).toMatchObject({ status: 'SKIPPED', code: 'feed_not_ready', error: null, cause: null });
    const finish = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.UpdateExpression?.startsWith('SET #status'));
    expect(finish?.ExpressionAttributeValues).toMatchObject({
      ':status': 'SKIPPED',
      ':failure': null,
      ':skip': skipped.state.skipped,
    });
    const [event, ...rest] = sent();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      detailType: 'Run Finished',
      detail: {
        schemaVersion: 2,
        status: 'SKIPPED',
        kind: 'generate',
        feed: 'retail-panel',
        failure: null,
        skip: skipped.state.skipped,
        scenarios: { landed: 0, failed: 0 },
      },
    });
    expect(scheduler.commandCalls(GetScheduleCommand)).toHaveLength(0);
  });

  it('needs the reason PrepareFeed gave', async () => {
    const err = (await handler(
      { ...skipped, state: { ...skipped.state, skipped: undefined } },
      context,
    ).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('InputValidationError');
    expect(err.message).toContain('state.skipped');
  });
});

describe("an ingest run that gives the feed its dataset enables the feed's schedules", () => {
  const landedIngest = {
    ...finished,
    state: { ...finished.state, results: [{ scenario: 'a', outcome: 'landed' }] },
  };

  beforeEach(() => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', 'landed')] });
  });

  it('writes each disabled schedule back whole with State ENABLED; enabled ones and other feeds are left alone', async () => {
    scheduler
      .on(GetScheduleCommand, { Name: 'retail-daily' })
      .resolves(definition('retail-daily', 'DISABLED'));
    scheduler
      .on(GetScheduleCommand, { Name: 'retail-weekly' })
      .resolves(definition('retail-weekly', 'ENABLED'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const out = await handler(landedIngest, context);
    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      schedules: { enabled: ['retail-daily'], alreadyEnabled: ['retail-weekly'], missing: [] },
    });
    const current = definition('retail-daily', 'DISABLED');
    expect(updates()).toEqual([
      {
        Name: 'retail-daily',
        GroupName: 'default',
        State: 'ENABLED',
        Description: current.Description,
        ScheduleExpression: current.ScheduleExpression,
        ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
        FlexibleTimeWindow: current.FlexibleTimeWindow,
        Target: current.Target,
        EndDate: current.EndDate,
      },
    ]);
    const asked = scheduler.commandCalls(GetScheduleCommand).map((call) => call.args[0].input.Name);
    expect(asked).not.toContain('other-daily');
  });

  it('skips a schedule deleted outside the stack and retries (retryable) one changed concurrently', async () => {
    scheduler
      .on(GetScheduleCommand, { Name: 'retail-daily' })
      .rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    scheduler
      .on(GetScheduleCommand, { Name: 'retail-weekly' })
      .resolves(definition('retail-weekly', 'DISABLED'));
    scheduler
      .on(UpdateScheduleCommand)
      .rejects(Object.assign(new Error('busy'), { name: 'ConflictException' }));
    const err = (await handler(landedIngest, context).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('AwsRetryableError');
    expect(err.message).toContain('schedule_conflict');
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    expect(await handler(landedIngest, context)).toMatchObject({
      schedules: { enabled: ['retail-weekly'], missing: ['retail-daily'] },
    });
  });

  it.each([
    [
      'a FAILED ingest run (nothing landed)',
      { ...finished, outcome: 'failed', state: { ...finished.state, results: undefined } },
      'failed',
    ],
    ['a generate run', { ...landedIngest, kind: 'generate' }, 'landed'],
  ])('leaves the schedules alone after %s', async (_label, input, outcome) => {
    ddb.on(QueryCommand).resolves({ Items: [scenarioItem('a', outcome)] });
    expect(await handler(input, context)).toMatchObject({
      status: outcome === 'failed' ? 'FAILED' : 'SUCCEEDED',
    });
    expect(scheduler.commandCalls(GetScheduleCommand)).toHaveLength(0);
  });
});

describe('scheduleUpdate', () => {
  it('keeps a start date still ahead and drops one already past (Scheduler refuses those)', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const future = { ...definition('s', 'DISABLED'), StartDate: new Date('2026-07-01T00:00:00Z') };
    expect(scheduleUpdate(future, 'ENABLED', now).StartDate).toEqual(future.StartDate);
    expect(scheduleUpdate(definition('s', 'DISABLED'), 'ENABLED', now)).not.toHaveProperty('StartDate');
  });
  it('refuses an answer without the definition rather than reset the schedule', () => {
    const { Target: _target, ...partial } = definition('s', 'DISABLED');
    expect(() => scheduleUpdate(partial, 'ENABLED')).toThrow(/without the schedule's definition/);
  });
});
