/**
 * Runs one state machine execution with aws-local-stepfunctions under Step Functions' quotas
 * (see sfn-quotas.ts): Task inputs and results are measured before and after each handler, where
 * an oversized one raises `States.DataLimitExceeded` with AWS's catch rules; every other state's
 * input and output, the history length and Map concurrency are watched in the event stream, and
 * a broken quota fails the execution at once, with nothing after it running. Task states get
 * `$$.State.RetryCount`, which the engine does not supply (state-retry-count.ts).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  ExecutionAbortedError,
  ExecutionError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import {
  DataLimitExceededError,
  QuotaMonitor,
  STATE_PAYLOAD_LIMIT_BYTES,
  TerminalExecutionError,
  capInlineMapConcurrency,
  enclosingStates,
  utf8JsonBytes,
} from './sfn-quotas.ts';
import { retryCounter, rewriteRetryCount } from './state-retry-count.ts';

/** One entry of an execution's history (aws-local-stepfunctions event log). */
export interface HistoryEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly [field: string]: unknown;
}

export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface QuotaRunOptions {
  /** Handlers by Task state name. */
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  readonly retryIntervalOverrides?: Readonly<Record<string, number | number[]>>;
  /** The context object (`$$.Execution`, `$$.StateMachine`). */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly onEvent?: (event: HistoryEvent) => void;
}

export interface QuotaRunResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly error: string | null;
  readonly cause: string | null;
  readonly events: readonly HistoryEvent[];
  /** Events AWS would have written to the execution's history. */
  readonly historyLength: number;
  /** Most inline Map iterations that ran at once. */
  readonly maxConcurrentIterations: number;
}

function oversized(what: string, bytes: number): string {
  return `${what} with a size exceeding the maximum number of bytes service limit (${bytes} > ${STATE_PAYLOAD_LIMIT_BYTES} UTF-8 bytes).`;
}

/**
 * Definitions (as JSON) already validated. asl-validator compiles its JSON schema on every
 * validation: once per execution it was the runner's largest CPU cost when hundreds of runs
 * start together. A definition is still validated (ARNs and paths checked) the first time it
 * runs in this process; an identical one is not validated again.
 */
const validatedDefinitions = new Set<string>();

function validatedStateMachine(definition: StateMachineDefinition): StateMachine {
  const key = JSON.stringify(definition);
  const validationOptions = validatedDefinitions.has(key)
    ? { noValidate: true }
    : { checkArn: true, checkPaths: true };
  // Throws for an invalid definition, which is then not remembered.
  const machine = new StateMachine(definition, { validationOptions });
  validatedDefinitions.add(key);
  return machine;
}

/** Runs `definition` on `input` to the end under Step Functions' quotas. */
export async function runWithQuotas(
  definition: StateMachineDefinition,
  input: unknown,
  options: QuotaRunOptions,
): Promise<QuotaRunResult> {
  const { definition: counted, fields: retryCountFields } = rewriteRetryCount(
    capInlineMapConcurrency(definition),
  );
  const chains = enclosingStates(counted);
  const monitor = new QuotaMonitor();
  const handlers: Record<string, TaskHandler> = {};
  for (const [stateName, handler] of Object.entries(options.handlers)) {
    const chain = chains.get(stateName) ?? [];
    const countFields = retryCountFields.get(stateName);
    const withRetryCount = countFields ? retryCounter(stateName, countFields) : (input: unknown) => input;
    handlers[stateName] = async (engineInput: unknown) => {
      // `$$.State.RetryCount`, which the engine lacks (state-retry-count.ts).
      const taskInput = withRetryCount(engineInput);
      // Let the event stream catch up, so a quota broken by an earlier state stops this one.
      await nextTurn();
      const broken = monitor.violation;
      if (broken) throw new TerminalExecutionError(broken.error, broken.cause);
      const inputBytes = utf8JsonBytes(taskInput);
      if (inputBytes > STATE_PAYLOAD_LIMIT_BYTES) {
        throw new DataLimitExceededError(
          oversized(`The state '${stateName}' received an input`, inputBytes),
          chain,
        );
      }
      const result = await handler(taskInput);
      const resultBytes = utf8JsonBytes(result);
      if (resultBytes > STATE_PAYLOAD_LIMIT_BYTES) {
        throw new DataLimitExceededError(
          oversized(`The task '${stateName}' returned a result`, resultBytes),
          chain,
        );
      }
      return result;
    };
  }
  const machine = validatedStateMachine(counted);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: { ...options.waitTimeOverrides },
      retryIntervalOverrides: { ...options.retryIntervalOverrides },
    },
    ...(options.context ? { context: options.context } : {}),
  });
  const events: HistoryEvent[] = [];
  const collecting = (async () => {
    for await (const logged of execution.eventLogs) {
      const event = logged as unknown as HistoryEvent;
      events.push(event);
      options.onEvent?.(event);
      if (monitor.observe(event)) execution.abort();
    }
  })();
  let status: QuotaRunResult['status'] = 'SUCCEEDED';
  let output: unknown = null;
  let error: string | null = null;
  let cause: string | null = null;
  try {
    output = await execution.result;
  } catch (err) {
    if (!(err instanceof ExecutionError) && !(err instanceof ExecutionAbortedError)) throw err;
    if (err instanceof ExecutionAbortedError && !monitor.violation) throw err;
    status = 'FAILED';
    const failure = (err instanceof ExecutionError ? err.cause : undefined) as
      { name?: string; message?: string; cause?: unknown } | undefined;
    error = failure?.name ?? 'States.Runtime';
    cause = typeof failure?.cause === 'string' ? failure.cause : (failure?.message ?? null);
  }
  await collecting;
  const broken = monitor.violation;
  if (broken && error !== 'States.DataLimitExceeded') {
    // The quota was broken in the event stream: that is how the execution ends, as on AWS.
    status = 'FAILED';
    output = null;
    error = broken.error;
    cause = broken.cause;
  }
  return {
    status,
    output,
    error,
    cause,
    events,
    historyLength: monitor.historyLength,
    maxConcurrentIterations: monitor.maxConcurrentIterations,
  };
}
