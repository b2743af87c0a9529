/**
 * Step Functions ends a standard execution that passes 25,000 history events with
 * `States.Runtime`, which no Catch sees (the run would end without its record). An inline Map
 * writes every iteration's events into the one history, so the scenario count multiplies
 * whatever one iteration costs: its states, its wait loops, and its Retry attempts. This file
 * estimates the events of a run from its assembled definition, with every step that paces
 * without a wait loop exhausting its `VendorPacedError` Retry (the worst case of a deep pacing
 * queue), as src/pipeline/state-budget.ts bounds the payload. A step a Wait runs again waits its
 * turn in that loop (its refusals become waits, src/pipeline/vendor-wait.ts), so its loop is
 * counted, not its paced Retry.
 */
import type { PollPolicy } from './polling.ts';

/** Step Functions' quota on events in one standard execution's history. */
export const HISTORY_EVENT_QUOTA = 25_000;

/** Events of one visit: a Lambda Task (entered, scheduled, started, succeeded, exited), others. */
const TASK_VISIT_EVENTS = 5;
const STATE_VISIT_EVENTS = 2;
/** Events of one failed attempt a Retry repeats (scheduled, started, failed). */
export const RETRIED_ATTEMPT_EVENTS = 3;
/** A Map state (entered, started, succeeded, exited); each iteration (started, succeeded). */
const MAP_EVENTS = 4;
const MAP_ITERATION_EVENTS = 2;
/** Execution started and ended. */
const EXECUTION_EVENTS = 2;

interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  readonly MaxAttempts?: number;
}

/** The fields of an ASL state this estimate reads. */
export interface AslStateLike {
  readonly Type?: string;
  readonly Next?: string;
  readonly Retry?: readonly AslRetrier[];
  readonly ItemProcessor?: { readonly States: Readonly<Record<string, AslStateLike>> };
}

/** How often each wait loop runs, by its Wait state's name (a loop is Wait → Task → Choice). */
export type WaitCycles = (waitState: string) => number;

/** Extra events of a Task whose `VendorPacedError` Retry runs out (0 without one). */
function pacedRetryEvents(state: AslStateLike): number {
  const paced = (state.Retry ?? []).find((r) => r.ErrorEquals.includes('VendorPacedError'));
  return paced ? RETRIED_ATTEMPT_EVENTS * (paced.MaxAttempts ?? 3) : 0;
}

function visitEvents(state: AslStateLike | undefined): number {
  if (!state) return 0;
  return state.Type === 'Task' ? TASK_VISIT_EVENTS : STATE_VISIT_EVENTS;
}

/**
 * Events of one pass over `states`: each state once (every branch counted: an upper bound), each
 * wait loop `cycles(name)` times (the Wait, the Task it re-runs and that Task's Choice), each
 * paced Task outside a wait loop with its Retry exhausted, and an inline Map `scenarios` times over.
 */
export function passEvents(
  states: Readonly<Record<string, AslStateLike>>,
  cycles: WaitCycles,
  scenarios: number,
): number {
  const looped = new Set(
    Object.values(states).flatMap((state) => (state.Type === 'Wait' && state.Next ? [state.Next] : [])),
  );
  let events = 0;
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Wait') {
      const task = state.Next ? states[state.Next] : undefined;
      const choice = task?.Next ? states[task.Next] : undefined;
      const cycle =
        STATE_VISIT_EVENTS + visitEvents(task) + (choice?.Type === 'Choice' ? visitEvents(choice) : 0);
      events += cycles(name) * cycle;
      continue;
    }
    if (state.ItemProcessor) {
      const iteration = MAP_ITERATION_EVENTS + passEvents(state.ItemProcessor.States, cycles, scenarios);
      events += MAP_EVENTS + scenarios * iteration;
      continue;
    }
    events += visitEvents(state) + (looped.has(name) ? 0 : pacedRetryEvents(state));
  }
  return events;
}

/** Estimated history events of a run of `definition` with `scenarios` scenarios. */
export function runHistoryEvents(
  definition: { readonly States: Readonly<Record<string, AslStateLike>> },
  scenarios: number,
  cycles: WaitCycles,
): number {
  return EXECUTION_EVENTS + passEvents(definition.States, cycles, scenarios);
}

/**
 * Most polls a loop under `policy` makes for a job of `jobSeconds` (default: until its deadline):
 * every delay at its shortest (the jitter's low end), never lengthened by a Retry-After.
 */
export function maxPolls(policy: PollPolicy, jobSeconds: number = policy.budgetSeconds): number {
  let polls = 0;
  let waited = 0;
  while (waited < Math.min(jobSeconds, policy.budgetSeconds)) {
    const delay = Math.min(policy.baseSeconds * policy.factor ** polls, policy.maxSeconds);
    waited += Math.max(1, Math.floor(delay * (1 - policy.jitter)));
    polls += 1;
  }
  return polls;
}

/** How many scenarios of the given run fit the quota (0 when not even one). */
export function scenariosWithinQuota(
  definition: { readonly States: Readonly<Record<string, AslStateLike>> },
  cycles: WaitCycles,
  quota: number = HISTORY_EVENT_QUOTA,
): number {
  const fixed = runHistoryEvents(definition, 0, cycles);
  const perScenario = runHistoryEvents(definition, 1, cycles) - fixed;
  return Math.max(0, Math.floor((quota - fixed) / perScenario));
}
