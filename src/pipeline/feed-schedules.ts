/**
 * Turns a feed's schedules on once the feed has a dataset. The construct creates a feed's
 * schedules DISABLED unless told otherwise: before the first ingest trained a seed, a scheduled
 * generation has nothing to generate from. When an ingest run finishes with the feed's dataset
 * in place, the run-record step enables them.
 *
 * EventBridge Scheduler's UpdateSchedule replaces the whole schedule: a field left out is reset
 * to its default (the target's input, retry policy and dead-letter queue, the flexible window,
 * the description). So each schedule is read (GetSchedule) and written back whole with only its
 * state changed. The call passes the target's role to Scheduler (`iam:PassRole`).
 */
import {
  GetScheduleCommand,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type SchedulerClient,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import * as z from '../contracts/zod.ts';
import { AwsRetryableError, failure } from '../contracts/state-errors.ts';

/** One schedule the pipeline may enable: its name and schedule group. */
export interface ScheduleRef {
  readonly name: string;
  readonly group: string;
}

/** The schedules to enable when a feed gets its dataset, by feed (the `FEED_SCHEDULES` variable). */
const nonEmpty = z.string().check(z.minLength(1));
export const feedSchedulesSchema = z.record(nonEmpty, z.array(z.object({ name: nonEmpty, group: nonEmpty })));
export type FeedSchedules = Readonly<Record<string, readonly ScheduleRef[]>>;

/** Parses `FEED_SCHEDULES` (JSON), naming what is wrong. */
export function parseFeedSchedules(text: string): FeedSchedules {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`FEED_SCHEDULES is not JSON; expected {"<feed>":[{"name":"...","group":"default"}]}`);
  }
  const parsed = feedSchedulesSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `FEED_SCHEDULES must map feeds to [{"name","group"}]: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** `FEED_SCHEDULES` in a handler's config shape: parsed once, a bad value named at cold start. */
export function feedSchedulesVariable(text: string, ctx: z.core.ParsePayload): FeedSchedules {
  try {
    return parseFeedSchedules(text);
  } catch (err) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: err instanceof Error ? err.message : String(err),
    });
    return z.NEVER;
  }
}

export interface EnabledSchedules {
  /** Schedules this call turned on. */
  readonly enabled: readonly string[];
  /** Schedules that were on already (a replayed step, or enabled by hand). */
  readonly alreadyEnabled: readonly string[];
  /** Schedules that no longer exist (deleted outside the stack); left alone. */
  readonly missing: readonly string[];
}

const defined = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/**
 * The UpdateSchedule request that keeps everything of `current` but its state. A start date in
 * the past is left out (Scheduler refuses one more than 5 minutes ago; the schedule has started).
 */
export function scheduleUpdate(
  current: GetScheduleCommandOutput,
  state: 'ENABLED' | 'DISABLED',
  now: Date = new Date(),
): UpdateScheduleCommandInput {
  const { Name, GroupName, ScheduleExpression, FlexibleTimeWindow, Target } = current;
  if (!Name || !ScheduleExpression || !FlexibleTimeWindow || !Target) {
    throw new Error(`GetSchedule answered without the schedule's definition (${Name ?? 'unnamed'})`);
  }
  const startDate =
    defined(current.StartDate) && current.StartDate.getTime() > now.getTime() ? current.StartDate : null;
  return {
    Name,
    ...(GroupName ? { GroupName } : {}),
    ScheduleExpression,
    FlexibleTimeWindow,
    Target,
    State: state,
    ...(defined(current.Description) ? { Description: current.Description } : {}),
    ...(defined(current.ScheduleExpressionTimezone)
      ? { ScheduleExpressionTimezone: current.ScheduleExpressionTimezone }
      : {}),
    ...(startDate ? { StartDate: startDate } : {}),
    ...(defined(current.EndDate) ? { EndDate: current.EndDate } : {}),
    ...(defined(current.KmsKeyArn) ? { KmsKeyArn: current.KmsKeyArn } : {}),
    ...(defined(current.ActionAfterCompletion)
      ? { ActionAfterCompletion: current.ActionAfterCompletion }
      : {}),
  };
}

/** Enables every schedule of `feed` that is still disabled; replay-safe. */
export async function enableFeedSchedules(
  feed: string,
  schedules: FeedSchedules,
  scheduler: SchedulerClient,
): Promise<EnabledSchedules> {
  const result = { enabled: [] as string[], alreadyEnabled: [] as string[], missing: [] as string[] };
  for (const ref of schedules[feed] ?? []) {
    let current: GetScheduleCommandOutput;
    try {
      current = await scheduler.send(new GetScheduleCommand({ Name: ref.name, GroupName: ref.group }));
    } catch (err) {
      if (err instanceof Error && err.name === 'ResourceNotFoundException') {
        result.missing.push(ref.name);
        continue;
      }
      throw err;
    }
    if (current.State === 'ENABLED') {
      result.alreadyEnabled.push(ref.name);
      continue;
    }
    try {
      await scheduler.send(new UpdateScheduleCommand(scheduleUpdate(current, 'ENABLED')));
    } catch (err) {
      // Another update of the same schedule won the race: read it again on the Task's retry.
      if (err instanceof Error && err.name === 'ConflictException') {
        throw new AwsRetryableError(
          failure('schedule_conflict', `Schedule ${ref.name} changed while being enabled: ${err.message}`),
          { cause: err },
        );
      }
      throw err;
    }
    result.enabled.push(ref.name);
  }
  return result;
}
