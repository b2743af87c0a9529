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

interface TaskState {
  readonly Type: string;
  readonly Resource?: string;
}

/** Every Task state (including those inside Map/Parallel) with its Resource. */
export function taskStates(definition: StateMachineDefinition): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (states: Record<string, unknown>): void => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as TaskState & {
        ItemProcessor?: { States: Record<string, unknown> };
        Iterator?: { States: Record<string, unknown> };
        Branches?: { States: Record<string, unknown> }[];
      };
      if (state.Type === 'Task' && state.Resource) {
        if (out.has(name))
          throw new Error(`State name "${name}" is used twice; local binding needs unique names.`);
        out.set(name, state.Resource);
      }
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Iterator) visit(state.Iterator.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return out;
}

/**
 * Every Wait state's name (including those inside Map/Parallel): all run shortened locally. With
 * `vendor`, only those that wait for the vendor's Retry-After or the shared pacing.
 */
export function waitStates(definition: StateMachineDefinition, which: 'all' | 'vendor' = 'all'): string[] {
  const out: string[] = [];
  const visit = (states: Record<string, unknown>): void => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as {
        Type?: string;
        SecondsPath?: string;
        ItemProcessor?: { States: Record<string, unknown> };
      };
      const vendorWait = state.SecondsPath?.endsWith('.vendorWait.seconds') ?? false;
      if (state.Type === 'Wait' && (which === 'all' || vendorWait)) out.push(name);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
    }
  };
  visit(definition.States);
  return out;
}
