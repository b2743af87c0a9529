/**
 * What Step Functions' RedriveExecution does with an execution, as far as the local runner can
 * follow it (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html):
 *
 * - It refuses (`ExecutionNotRedrivable`) a SUCCEEDED execution and one whose history reached the
 *   event limit ("Execution history event limit exceeded", API_DescribeExecution
 *   redriveStatusReason).
 * - It "continues the failed execution from the unsuccessful step"; the steps that succeeded are
 *   not run again. An execution that failed in a Fail state (a catcher routed the error there, and
 *   every state before it succeeded) therefore resumes at that Fail state, which fails again with
 *   the same error and cause: nothing before it runs, nothing is retried. Only an execution that
 *   failed in a Task (an error no catcher took) or a Map resumes with work to do.
 */
import type { HistoryEvent } from './quota-execution.ts';
import type { ExecutionResult } from './runner-types.ts';
import { HISTORY_EVENT_LIMIT, StepFunctionsApiError } from './sfn-quotas.ts';

/** The Fail state an execution failed in, with the error and cause it failed with. */
export interface FailedInFailState {
  readonly state: string;
  readonly input: unknown;
  readonly error: string | null;
  readonly cause: string | null;
}

/** Throws what RedriveExecution answers for an execution it will not redrive. */
export function assertRedrivable(last: ExecutionResult): void {
  if (last.status === 'SUCCEEDED') {
    throw new StepFunctionsApiError(
      'ExecutionNotRedrivable',
      'Execution is SUCCEEDED and cannot be redriven.',
    );
  }
  if (last.historyLength >= HISTORY_EVENT_LIMIT - 1) {
    throw new StepFunctionsApiError('ExecutionNotRedrivable', 'Execution history event limit exceeded.');
  }
}

interface StateFailedEvent extends HistoryEvent {
  readonly state?: { readonly name?: string; readonly type?: string; readonly input?: unknown };
  readonly Error?: string;
  readonly Cause?: string;
  readonly index?: number;
}

/** The top-level Fail state `last` failed in, or null when it failed elsewhere (a Task, a Map). */
export function failedInFailState(last: ExecutionResult): FailedInFailState | null {
  if (last.status !== 'FAILED') return null;
  const end = last.events.findLastIndex((event) => event.type === 'ExecutionFailed');
  const failed = last.events
    .slice(0, end === -1 ? last.events.length : end)
    .findLast(
      (event): event is StateFailedEvent => event.type === 'StateFailed' && event['index'] === undefined,
    );
  if (failed?.state?.type !== 'Fail' || !failed.state.name) return null;
  return {
    state: failed.state.name,
    input: failed.state.input,
    error: failed.Error ?? last.error,
    cause: failed.Cause ?? last.cause,
  };
}

/**
 * The redriven attempt of an execution that failed in a Fail state: that state runs again and
 * fails the same way; no Task runs. Null when `last` failed elsewhere (the redrive has work to
 * do). `statusChange` and `functions` are the runner's to fill in.
 */
export function refailedAttempt(
  last: ExecutionResult,
): Omit<ExecutionResult, 'statusChange' | 'functions'> | null {
  const failState = failedInFailState(last);
  if (!failState) return null;
  const timestamp = Date.now();
  const state = { name: failState.state, type: 'Fail', input: failState.input };
  const events: HistoryEvent[] = [
    { type: 'ExecutionRedriven', timestamp, redriveCount: last.redriveCount + 1 },
    { type: 'StateEntered', timestamp, state },
    { type: 'StateFailed', timestamp, state, Error: failState.error, Cause: failState.cause },
    { type: 'ExecutionFailed', timestamp, Error: failState.error, Cause: failState.cause },
  ];
  return {
    stateMachine: last.stateMachine,
    name: last.name,
    executionArn: last.executionArn,
    status: 'FAILED',
    output: null,
    error: failState.error,
    cause: failState.cause,
    events,
    stateTransitions: 1,
    taskInvocations: {},
    historyLength: last.historyLength + events.length,
    maxConcurrentIterations: 0,
    redriveCount: last.redriveCount + 1,
  };
}
