/**
 * The safety net for executions that end without their RecordFailure state: a Step Functions
 * error no catcher handles (`States.DataLimitExceeded`, `States.Runtime` at 25,000 history
 * events), an execution timeout or a manual stop. EventBridge delivers Step Functions' "Execution
 * Status Change" event for FAILED, TIMED_OUT and ABORTED executions of both state machines;
 * when the run's record is still QUEUED or RUNNING it is finished as FAILED with the execution's
 * error (through recordRun, so the scenarios recorded so far count and "Run Finished" goes out).
 * A run that recorded itself (PARTIAL and FAILED runs also end their execution as FAILED) is left
 * as it is.
 */
import * as z from '../contracts/zod.ts';
import type { RunRecord } from '../state/records.ts';
import { recordRun, type RecordRunDeps, type RecordRunResult } from './record-run.ts';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

export const executionStatusChangeSchema = z.looseObject({
  source: z.literal('aws.states'),
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.looseObject({
    executionArn: z.string().check(z.minLength(1)),
    stateMachineArn: z.string().check(z.minLength(1)),
    name: z.string().check(z.minLength(1)),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});
export type ExecutionStatusChange = z.infer<typeof executionStatusChangeSchema>;

/** Is this event a Step Functions status change (rather than a state machine task input)? */
export function isExecutionStatusChange(event: unknown): boolean {
  return (event as Record<string, unknown> | null)?.['detail-type'] === EXECUTION_STATUS_CHANGE;
}

const ERROR_OF_STATUS = {
  FAILED: 'States.Runtime',
  TIMED_OUT: 'States.Timeout',
  ABORTED: 'States.Aborted',
} as const;

const CAUSE_OF_STATUS = {
  FAILED: 'The execution failed without recording its run.',
  TIMED_OUT: 'The execution ran longer than its TimeoutSeconds.',
  ABORTED: 'The execution was stopped (StopExecution).',
} as const;

export type ExecutionEndResult =
  | { readonly runId: string; readonly recorded: false; readonly status: RunRecord['status'] | null }
  | ({ readonly recorded: true } & RecordRunResult);

/** Finishes the run of an execution that ended unrecorded; a no-op for a finished run. */
export async function recordExecutionEnd(
  event: ExecutionStatusChange,
  deps: RecordRunDeps,
): Promise<ExecutionEndResult> {
  const { detail } = event;
  const runId = detail.name;
  const run = await deps.repo.getRunHeader(runId);
  if (!run || (run.status !== 'QUEUED' && run.status !== 'RUNNING')) {
    return { runId, recorded: false, status: run?.status ?? null };
  }
  const result = await recordRun(
    {
      outcome: 'failed',
      kind: run.kind,
      runId,
      executionArn: detail.executionArn,
      state: {
        feed: run.feed ?? null,
        seed: run.seed ?? null,
        dataset: run.datasetId ? { datasetId: run.datasetId } : null,
        error: {
          Error: detail.error ?? ERROR_OF_STATUS[detail.status],
          Cause: detail.cause ?? CAUSE_OF_STATUS[detail.status],
        },
      },
    },
    deps,
  );
  return { recorded: true, ...result };
}
