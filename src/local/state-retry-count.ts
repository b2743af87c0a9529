/**
 * `$$.State.RetryCount` for local runs. Step Functions puts it in the context object: 0 on a
 * state's first attempt, n on its nth Retry, counted afresh every time the state is entered.
 * aws-local-stepfunctions 3 has no `$$.State` at all (a Parameters path into it fails the
 * state), so the runner supplies it for Task states, which is where a Retry is:
 *
 * - before the run, each Task `Parameters` field `"<name>.$": "$$.State.RetryCount"` is
 *   rewritten to `"$"` (the state's effective input). The engine evaluates Parameters on every
 *   attempt from the same input object, and every entry into a state gets a new one (each
 *   state's output is a fresh object), so that object identifies one entry of the state;
 * - the Task's handler wrapper then counts the attempts made with that object (0, 1, 2 …) and
 *   puts the count in the field, before the input is measured or handed on.
 *
 * A use anywhere else (a Pass or Map state's Parameters, a ResultSelector, inside an intrinsic
 * function) is left as written and fails locally with the engine's path error rather than
 * running with a made-up value.
 */
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

export const RETRY_COUNT_PATH = '$$.State.RetryCount';

/** Where (as key paths into the Task's input) a Task state's Parameters asked for the count. */
export type RetryCountFields = ReadonlyMap<string, readonly (readonly string[])[]>;

interface StateNode {
  readonly Type?: string;
  Parameters?: unknown;
  readonly ItemProcessor?: { States: Record<string, unknown> };
  readonly Iterator?: { States: Record<string, unknown> };
  readonly Branches?: readonly { States: Record<string, unknown> }[];
}

/** Rewrites `template`'s RetryCount fields to `$`, collecting their key paths (without `.$`). */
function rewriteFields(template: unknown, prefix: readonly string[], into: string[][]): void {
  if (typeof template !== 'object' || template === null || Array.isArray(template)) return;
  const fields = template as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (key.endsWith('.$') && value === RETRY_COUNT_PATH) {
      fields[key] = '$';
      into.push([...prefix, key.slice(0, -2)]);
    } else if (!key.endsWith('.$')) {
      rewriteFields(value, [...prefix, key], into);
    }
  }
}

/** A copy of `definition` whose Task states read the count from their handler (see above). */
export function rewriteRetryCount(definition: StateMachineDefinition): {
  readonly definition: StateMachineDefinition;
  readonly fields: RetryCountFields;
} {
  const fields = new Map<string, string[][]>();
  const visit = (states: Record<string, unknown>): void => {
    for (const [name, raw] of Object.entries(states)) {
      const state = raw as StateNode;
      if (state.Type === 'Task' && state.Parameters !== undefined) {
        const paths: string[][] = [];
        rewriteFields(state.Parameters, [], paths);
        if (paths.length > 0) fields.set(name, paths);
      }
      const nested = state.ItemProcessor ?? state.Iterator;
      if (nested) visit(nested.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  const copy = structuredClone(definition);
  visit(copy.States);
  return { definition: copy, fields };
}

/**
 * Counts the attempts of one Task state, per entry: called with the input the engine built for
 * an attempt, it returns that input with the count in each of `paths`.
 */
export function retryCounter(stateName: string, paths: readonly (readonly string[])[]) {
  const attempts = new WeakMap<object, number>();
  return (taskInput: unknown): unknown => {
    const parent = (path: readonly string[]) =>
      path
        .slice(0, -1)
        .reduce<Record<string, unknown>>(
          (at, key) => at[key] as Record<string, unknown>,
          taskInput as Record<string, unknown>,
        );
    const entry = parent(paths[0]!)[paths[0]!.at(-1)!];
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(
        `The local runner counts the retries of '${stateName}' by its input object, but its effective input is ${JSON.stringify(entry)}: give the state an object input (InputPath) to use ${RETRY_COUNT_PATH}.`,
      );
    }
    const count = attempts.get(entry) ?? 0;
    attempts.set(entry, count + 1);
    for (const path of paths) parent(path)[path.at(-1)!] = count;
    return taskInput;
  };
}
