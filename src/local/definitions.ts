/**
 * The state machine definitions as the local runner loads them: placeholder substitution and the
 * Task states to bind to handlers.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import type { StateMachineName } from '../../lib/asl-definition.ts';

/** The repository's root folder (handlers and state machines are loaded from it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The `${Name}` placeholders of a definition. */
export function definitionPlaceholders(definitionText: string): string[] {
  return [...new Set([...definitionText.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1] as string))];
}

/** Replaces every `${Name}` with its value; throws naming any placeholder without one. */
export function substitutePlaceholders(
  definitionText: string,
  values: Readonly<Record<string, string>>,
): string {
  const missing = definitionPlaceholders(definitionText).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`No value for ASL placeholder(s): ${missing.join(', ')}`);
  return definitionText.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => values[name] as string);
}

/** Path of a state machine's ASL file (its fragments are assembled by lib/asl-definition.ts). */
export function definitionPath(name: StateMachineName): string {
  return resolve(REPO_ROOT, 'statemachines', `${name}.asl.json`);
}

/** A state as the local binding reads it, with the states nested in Map and Parallel. */
interface NestedState {
  readonly Type?: string;
  readonly Resource?: string;
  readonly SecondsPath?: string;
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly ItemProcessor?: { States: Record<string, unknown> };
  readonly Iterator?: { States: Record<string, unknown> };
  readonly Branches?: { States: Record<string, unknown> }[];
}

/** Every state of a definition with its name, those inside Map and Parallel states included. */
function* everyState(states: Record<string, unknown>): Generator<[string, NestedState]> {
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as NestedState;
    yield [name, state];
    if (state.ItemProcessor) yield* everyState(state.ItemProcessor.States);
    if (state.Iterator) yield* everyState(state.Iterator.States);
    for (const branch of state.Branches ?? []) yield* everyState(branch.States);
  }
}

/** Every Task state's name and resource, those inside Map and Parallel states included. */
export function taskStates(definition: StateMachineDefinition): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, state] of everyState(definition.States)) {
    if (state.Type !== 'Task' || !state.Resource) continue;
    if (out.has(name))
      throw new Error(`State name "${name}" is used twice; local binding needs unique names.`);
    out.set(name, state.Resource);
  }
  return out;
}

/** The error the shared pacing's refusal raises in a step without a wait loop (state-errors.ts). */
const PACED_ERROR = 'VendorPacedError';

/**
 * The local override of each retrier of a Task, in their order (aws-local-stepfunctions'
 * `retryIntervalOverrides`): `shortenedMs`, except, with `realPacedRetries`, -1 (no override: its
 * own IntervalSeconds, BackoffRate and MaxDelaySeconds) for the retrier of a call the shared
 * pacing refused. The queue it waits behind is real time, and one short interval for every
 * retrier would give up on it long before Step Functions would.
 */
export function retryIntervals(
  definition: StateMachineDefinition,
  stateName: string,
  options: { readonly shortenedMs: number; readonly realPacedRetries: boolean },
): number[] {
  for (const [name, state] of everyState(definition.States)) {
    if (name !== stateName) continue;
    return (state.Retry ?? []).map((retrier) =>
      options.realPacedRetries && retrier.ErrorEquals.includes(PACED_ERROR) ? -1 : options.shortenedMs,
    );
  }
  return [];
}

/**
 * Every Wait state's name (including those inside Map/Parallel): all run shortened locally. With
 * `vendor`, only those that wait for the vendor's Retry-After or the shared pacing.
 */
export function waitStates(definition: StateMachineDefinition, which: 'all' | 'vendor' = 'all'): string[] {
  const out: string[] = [];
  for (const [name, state] of everyState(definition.States)) {
    const vendorWait = state.SecondsPath?.endsWith('.vendorWait.seconds') ?? false;
    if (state.Type === 'Wait' && (which === 'all' || vendorWait)) out.push(name);
  }
  return out;
}
