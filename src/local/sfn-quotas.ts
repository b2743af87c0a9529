/**
 * Step Functions quotas that aws-local-stepfunctions does not enforce, enforced for local runs as
 * AWS documents them: 256 KiB (UTF-8 bytes) per state input, output and task result, raising
 * `States.DataLimitExceeded`, which only a catcher or retrier naming it can handle (`States.ALL`
 * cannot); 25,000 history events per execution (`States.Runtime`); at most 40 concurrent
 * iterations of an inline Map; execution names of 1 to 80 allowed characters.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** Largest state input, output or task result, in UTF-8 bytes. */
export const STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024;
/** Events in one execution's history; the 25,000th is the failure itself. */
export const HISTORY_EVENT_LIMIT = 25_000;
/** Concurrent iterations of an inline Map. */
export const INLINE_MAP_CONCURRENCY_LIMIT = 40;
export const EXECUTION_NAME_MAX_LENGTH = 80;

/** Size of a JSON value as Step Functions measures it: UTF-8 bytes of its serialized text. */
export function utf8JsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** An API error of StartExecution (`InvalidName`, `ExecutionAlreadyExists`, `InvalidExecutionInput`). */
export class StepFunctionsApiError extends Error {
  constructor(
    override readonly name:
      | 'InvalidName'
      | 'ExecutionAlreadyExists'
      | 'InvalidExecutionInput'
      | 'ExecutionDoesNotExist'
      | 'ExecutionNotRedrivable',
    message: string,
  ) {
    super(message);
  }
}

// Whitespace, wildcards, brackets, the listed specials and control characters are refused.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_NAME_CHARACTER = /[\s?*<>{}[\]"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** Throws `InvalidName` unless `name` is a valid execution name (1 to 80 allowed characters). */
export function checkExecutionName(name: string): void {
  const length = [...name].length;
  if (length < 1 || length > EXECUTION_NAME_MAX_LENGTH) {
    throw new StepFunctionsApiError(
      'InvalidName',
      `Invalid Name: '${name}' (execution names are 1 to ${EXECUTION_NAME_MAX_LENGTH} characters; this one has ${length})`,
    );
  }
  const bad = FORBIDDEN_NAME_CHARACTER.exec(name);
  if (bad) {
    throw new StepFunctionsApiError(
      'InvalidName',
      `Invalid Name: '${name}' (character ${JSON.stringify(bad[0])} is not allowed in execution names)`,
    );
  }
}

interface ErrorHandlers {
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[] }[];
}

/**
 * `States.DataLimitExceeded` raised in a Task state. aws-local-stepfunctions asks an error, once
 * per retrier and once per catcher in definition order (the Task's, then each enclosing Map's),
 * whether it may be retried or caught; this error answers yes only where the retrier or catcher
 * names it explicitly, which is AWS's rule (`States.ALL` and `States.TaskFailed` do not match it).
 */
export class DataLimitExceededError extends Error {
  override readonly name = 'States.DataLimitExceeded';
  private readonly retriers: (readonly string[])[];
  private readonly catchers: (readonly string[])[];

  constructor(message: string, enclosing: readonly ErrorHandlers[]) {
    super(message);
    this.retriers = enclosing.flatMap((s) => (s.Retry ?? []).map((r) => r.ErrorEquals));
    this.catchers = enclosing.flatMap((s) => (s.Catch ?? []).map((c) => c.ErrorEquals));
  }

  get isRetryable(): boolean {
    return this.retriers.shift()?.includes(this.name) ?? false;
  }

  get isCatchable(): boolean {
    return this.catchers.shift()?.includes(this.name) ?? false;
  }
}

/** An error no Retry or Catch handles (`States.Runtime`, or a quota already exceeded elsewhere). */
export class TerminalExecutionError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

type StateNode = ErrorHandlers & {
  readonly Type?: string;
  readonly ItemProcessor?: { readonly States: Record<string, unknown> };
  readonly Iterator?: { readonly States: Record<string, unknown> };
  readonly Branches?: readonly { readonly States: Record<string, unknown> }[];
};

/** Each state with itself and the Map/Parallel states enclosing it, innermost first. */
export function enclosingStates(definition: StateMachineDefinition): Map<string, StateNode[]> {
  const out = new Map<string, StateNode[]>();
  const visit = (states: Record<string, unknown>, parents: StateNode[]): void => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as StateNode;
      const chain = [state, ...parents];
      out.set(name, chain);
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested.States, chain);
      for (const branch of state.Branches ?? []) visit(branch.States, chain);
    }
  };
  visit(definition.States, []);
  return out;
}

/** A quota an execution broke: it fails with this error and cause. */
export interface QuotaViolation {
  readonly error: string;
  readonly cause: string;
}

interface ObservedEvent {
  readonly type: string;
  readonly state?: { readonly name?: string; readonly type?: string; input?: unknown; output?: unknown };
  readonly parentState?: { readonly name?: string };
  readonly index?: number;
  readonly input?: unknown;
  readonly output?: unknown;
}

/** How many events AWS writes to the history for one aws-local-stepfunctions event. */
function awsHistoryEvents(event: ObservedEvent): number {
  const stateType = event.state?.type;
  switch (event.type) {
    case 'StateEntered':
      // TaskStateEntered + LambdaFunctionScheduled/Started/Succeeded|Failed; MapStateEntered + MapStateStarted.
      return stateType === 'Task' ? 4 : stateType === 'Map' ? 2 : 1;
    case 'StateRetried':
      return stateType === 'Task' ? 3 : 1;
    case 'StateExited':
      return stateType === 'Map' ? 2 : 1;
    case 'StateFailed':
      return stateType === 'Map' ? 1 : 0;
    case 'StateCaught':
      return 0;
    default:
      return 1;
  }
}

/**
 * Watches an execution's events for quotas that are only visible there: state inputs and outputs
 * (Pass, Choice and Map included), the history length and concurrent Map iterations.
 */
export class QuotaMonitor {
  private historyEvents = 0;
  private readonly running = new Map<string, number>();
  private peak = 0;
  private broken: QuotaViolation | null = null;

  /** The first quota broken, if any. */
  get violation(): QuotaViolation | null {
    return this.broken;
  }

  /** Events AWS would have written so far. */
  get historyLength(): number {
    return this.historyEvents;
  }

  /** Most inline Map iterations that ran at once. */
  get maxConcurrentIterations(): number {
    return this.peak;
  }

  /** Records one event; returns the violation it causes (only the first is kept). */
  observe(event: ObservedEvent): QuotaViolation | null {
    if (this.broken) return null;
    this.historyEvents += awsHistoryEvents(event);
    if (this.historyEvents >= HISTORY_EVENT_LIMIT) {
      return this.fail(
        'States.Runtime',
        `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`,
      );
    }
    this.trackIterations(event);
    const name = event.state?.name ?? 'the execution';
    if (event.type === 'StateEntered' && utf8JsonBytes(event.state?.input) > STATE_PAYLOAD_LIMIT_BYTES) {
      return this.dataLimit(`The state '${name}' received an input`, event.state?.input);
    }
    if (event.type === 'StateExited' && utf8JsonBytes(event.state?.output) > STATE_PAYLOAD_LIMIT_BYTES) {
      return this.dataLimit(`The state '${name}' returned a result`, event.state?.output);
    }
    if (event.type === 'ExecutionSucceeded' && utf8JsonBytes(event.output) > STATE_PAYLOAD_LIMIT_BYTES) {
      return this.dataLimit('The execution produced an output', event.output);
    }
    return null;
  }

  private trackIterations(event: ObservedEvent): void {
    const map = event.parentState?.name;
    if (!map) return;
    const now = this.running.get(map) ?? 0;
    if (event.type === 'MapIterationStarted') {
      this.running.set(map, now + 1);
      this.peak = Math.max(this.peak, now + 1);
    } else if (event.type === 'MapIterationSucceeded' || event.type === 'MapIterationFailed') {
      this.running.set(map, Math.max(0, now - 1));
    }
  }

  private dataLimit(what: string, value: unknown): QuotaViolation {
    return this.fail(
      'States.DataLimitExceeded',
      `${what} with a size exceeding the maximum number of bytes service limit (${utf8JsonBytes(value)} > ${STATE_PAYLOAD_LIMIT_BYTES} UTF-8 bytes).`,
    );
  }

  private fail(error: string, cause: string): QuotaViolation {
    this.broken = { error, cause };
    return this.broken;
  }
}

/**
 * The definition as AWS runs an inline Map: a literal `MaxConcurrency` of 0 (no limit) or over
 * 40 runs 40 iterations at a time. `MaxConcurrencyPath` values are checked where they are made.
 */
export function capInlineMapConcurrency(definition: StateMachineDefinition): StateMachineDefinition {
  const visit = (states: Record<string, unknown>): void => {
    for (const raw of Object.values(states)) {
      const state = raw as StateNode & { MaxConcurrency?: number; MaxConcurrencyPath?: string };
      if (state.Type === 'Map' && state.MaxConcurrencyPath === undefined) {
        const wanted = state.MaxConcurrency ?? 0;
        if (wanted === 0 || wanted > INLINE_MAP_CONCURRENCY_LIMIT) {
          state.MaxConcurrency = INLINE_MAP_CONCURRENCY_LIMIT;
        }
      }
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  const copy = structuredClone(definition);
  visit(copy.States);
  return copy;
}
