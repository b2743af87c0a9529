/**
 * Default schedules wait for their feed's dataset, on the local stack (moto's EventBridge
 * Scheduler holds the template's schedules, every call judged against the synthesized roles):
 * a schedule deploys DISABLED; a scheduled run that still starts before the first seed is
 * SKIPPED, not FAILED; the first successful ingest enables the feed's schedule with its whole
 * definition kept (UpdateSchedule replaces everything it is given) and leaves other feeds' alone.
 */
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  type GetScheduleCommandOutput,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { asDelivered, eventSchemaProblems } from '../../support/event-schemas.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness({
  schedules: [
    { feed: 'orders', expression: 'cron(0 6 * * ? *)' },
    { feed: 'returns', expression: 'rate(1 day)' },
  ],
});

/** The stack's schedule for `feed` (its target input names the feed). */
async function scheduleOf(feed: string): Promise<GetScheduleCommandOutput> {
  const scheduler = h.environment.clients.scheduler;
  const listed = await scheduler.send(new ListSchedulesCommand({}));
  for (const summary of listed.Schedules ?? []) {
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: summary.Name }));
    if ((JSON.parse(schedule.Target?.Input ?? '{}') as { feed?: string }).feed === feed) return schedule;
  }
  throw new Error(`no schedule for feed ${feed}`);
}

/** What must survive enabling: everything but the state and the modification time. */
function definition(schedule: GetScheduleCommandOutput) {
  const { State: _state, LastModificationDate: _modified, $metadata: _meta, ...rest } = schedule;
  return rest;
}

describe('schedules of a feed without a dataset', () => {
  it('deploy disabled; a scheduled run before the first seed is SKIPPED and announced, no failure', async () => {
    const before = await scheduleOf('orders');
    expect(before.State).toBe('DISABLED');
    expect(before.Target?.DeadLetterConfig?.Arn).toBeTruthy();

    const run = await h.runner.execute(
      'generate',
      { feed: 'orders', trigger: 'schedule', slot: '2026-05-01T06:00:00Z' },
      'sched-orders-early',
    );
    expect(run.status, run.cause ?? '').toBe('SUCCEEDED');
    expect(run.taskInvocations['RecordSkipped']).toBe(1);
    expect(run.taskInvocations['RecordFailure']).toBeUndefined();
    const runId = (run.output as { runId: string }).runId;
    expect(await h.repo.getRun(runId)).toMatchObject({
      status: 'SKIPPED',
      failure: null,
      skip: { code: 'feed_not_ready', reason: expect.stringContaining('seeds/orders/') as string },
    });
    const finished = h.events.filter((e) => e.detailType === 'Run Finished' && e.detail['runId'] === runId);
    expect(finished).toHaveLength(1);
    expect(finished[0]?.detail).toMatchObject({ schemaVersion: 2, status: 'SKIPPED', failure: null });
    expect(eventSchemaProblems(asDelivered(finished[0]!))).toEqual([]);
    expect(h.simulator.counters().calls['POST /v1/datasets']).toBeUndefined();
  });

  it("the feed's first successful ingest enables its schedule, definition kept, other feeds' untouched", async () => {
    const before = await scheduleOf('orders');
    const otherBefore = await scheduleOf('returns');
    const ingest = await h.runner.runSeedDrop(await h.putSeed('orders', 'seed.csv', exampleSeedCsv()));
    expect(ingest.execution?.status, ingest.execution?.cause ?? '').toBe('SUCCEEDED');

    const after = await scheduleOf('orders');
    expect(after.State).toBe('ENABLED');
    expect(definition(after)).toEqual(definition(before));
    const otherAfter = await scheduleOf('returns');
    expect(otherAfter.State).toBe('DISABLED');
    expect(otherAfter.LastModificationDate).toEqual(otherBefore.LastModificationDate);

    const allowed = (action: string) =>
      h.environment.iam
        .calls()
        .filter(
          (call) => call.functionId === 'RecordRun' && call.action === action && call.decision === 'Allowed',
        ).length;
    expect(allowed('scheduler:GetSchedule')).toBeGreaterThan(0);
    expect(allowed('scheduler:UpdateSchedule')).toBe(1);
    expect(allowed('iam:PassRole')).toBe(1);
    expect(h.environment.iam.denied()).toEqual([]);

    // A second seed finds the schedule on already: nothing is written again.
    const again = await h.runner.runSeedDrop(await h.putSeed('orders', 'seed-2.csv', exampleSeedCsv(130)));
    expect(again.execution?.status, again.execution?.cause ?? '').toBe('SUCCEEDED');
    expect(allowed('scheduler:UpdateSchedule')).toBe(1);
  });
});
