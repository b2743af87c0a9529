import { describe, expect, it } from 'vitest';
import { assertRedrivable, failedInFailState, refailedAttempt } from '../../../src/local/redrive-rules.ts';
import type { ExecutionResult, HistoryEvent } from '../../../src/local/runner.ts';

function execution(
  events: readonly HistoryEvent[],
  overrides: Partial<ExecutionResult> = {},
): ExecutionResult {
  return {
    stateMachine: 'ingest',
    name: 'run-1',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:simulacra-ingest:run-1',
    status: 'FAILED',
    output: null,
    error: 'VendorTerminalError',
    cause: '{"code":"x"}',
    events,
    stateTransitions: events.length,
    taskInvocations: { UploadSeed: 1 },
    historyLength: events.length,
    maxConcurrentIterations: 0,
    functions: [],
    statusChange: null,
    redriveCount: 0,
    ...overrides,
  };
}

const at = 1;
const task = { name: 'UploadSeed', type: 'Task', input: {} };
const fail = { name: 'RunFailed', type: 'Fail', input: { error: { Error: 'VendorTerminalError' } } };
const caughtThenFailed: HistoryEvent[] = [
  { type: 'StateEntered', timestamp: at, state: task },
  { type: 'StateFailed', timestamp: at, state: task, Error: 'VendorTerminalError', Cause: '{"code":"x"}' },
  { type: 'StateCaught', timestamp: at, state: task },
  { type: 'StateEntered', timestamp: at, state: fail },
  { type: 'StateFailed', timestamp: at, state: fail, Error: 'VendorTerminalError', Cause: '{"code":"x"}' },
  { type: 'ExecutionFailed', timestamp: at, Error: 'VendorTerminalError', Cause: '{"code":"x"}' },
];

describe("RedriveExecution's rules (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html)", () => {
  it('resumes an execution that failed in a Fail state at that state, which fails again and runs nothing else', () => {
    const last = execution(caughtThenFailed);
    const failState = failedInFailState(last);
    expect(failState).toEqual({
      state: 'RunFailed',
      input: fail.input,
      error: 'VendorTerminalError',
      cause: '{"code":"x"}',
    });
    const attempt = refailedAttempt(last);
    expect(attempt).toMatchObject({
      status: 'FAILED',
      error: 'VendorTerminalError',
      redriveCount: 1,
      taskInvocations: {},
      stateTransitions: 1,
      historyLength: caughtThenFailed.length + 4,
    });
    expect(attempt?.events.map((e) => e.type)).toEqual([
      'ExecutionRedriven',
      'StateEntered',
      'StateFailed',
      'ExecutionFailed',
    ]);
  });

  it('leaves an execution that failed in a Task (no catcher) or inside a Map iteration to re-run from there', () => {
    const uncaught: HistoryEvent[] = [
      { type: 'StateEntered', timestamp: at, state: task },
      { type: 'StateFailed', timestamp: at, state: task, Error: 'States.DataLimitExceeded', Cause: '' },
      { type: 'ExecutionFailed', timestamp: at, Error: 'States.DataLimitExceeded', Cause: '' },
    ];
    expect(failedInFailState(execution(uncaught))).toBeNull();
    expect(refailedAttempt(execution(uncaught))).toBeNull();
    const inIteration: HistoryEvent[] = [
      { type: 'StateFailed', timestamp: at, state: fail, index: 0, Error: 'X', Cause: '' },
      {
        type: 'StateFailed',
        timestamp: at,
        state: { name: 'Scenarios', type: 'Map', input: [] },
        Error: 'X',
      },
      { type: 'ExecutionFailed', timestamp: at, Error: 'X', Cause: '' },
    ];
    expect(failedInFailState(execution(inIteration))).toBeNull();
  });

  it('refuses a SUCCEEDED execution and one whose history reached the event limit', () => {
    expect(() => assertRedrivable(execution([], { status: 'SUCCEEDED' }))).toThrow(
      expect.objectContaining({ name: 'ExecutionNotRedrivable' }),
    );
    expect(() => assertRedrivable(execution([], { historyLength: 24_999 }))).toThrow(
      'Execution history event limit exceeded.',
    );
    expect(() => assertRedrivable(execution([], { historyLength: 24_998 }))).not.toThrow();
  });
});
