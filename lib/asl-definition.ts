/**
 * Reading the state machine definitions (`statemachines/*.asl.json`) and checking that every
 * `${Placeholder}` in them gets a value, so a definition never deploys with a dangling
 * placeholder and a renamed placeholder fails at synth with the name to fix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in `lib/`). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The pipeline's state machines and their definition files, relative to the repository root. */
export const STATE_MACHINE_FILES = {
  ingest: 'statemachines/ingest.asl.json',
  generate: 'statemachines/generate.asl.json',
} as const;

export type StateMachineName = keyof typeof STATE_MACHINE_FILES;

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** A definition names a placeholder nobody provides, or is not valid ASL JSON. */
export class AslDefinitionError extends Error {
  override readonly name = 'AslDefinitionError';
}

/** Distinct `${Name}` placeholders in `text`, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/** A loaded definition file. */
export interface AslDefinition {
  readonly file: string;
  readonly text: string;
  readonly placeholders: readonly string[];
  /** Every Task `Resource` in the definition (including nested Map/Parallel states). */
  readonly taskResources: readonly string[];
}

function collectTaskResources(node: unknown, into: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTaskResources(item, into);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (record['Type'] === 'Task' && typeof record['Resource'] === 'string') into.push(record['Resource']);
  for (const value of Object.values(record)) collectTaskResources(value, into);
}

/** Reads and parses `file` (absolute, or relative to the repository root). */
export function loadAslDefinition(file: string): AslDefinition {
  const absolute = path.isAbsolute(file) ? file : path.join(PROJECT_ROOT, file);
  const text = readFileSync(absolute, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AslDefinitionError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const taskResources: string[] = [];
  collectTaskResources(parsed, taskResources);
  return { file: absolute, text, placeholders: placeholdersIn(text), taskResources };
}

/**
 * The `definitionSubstitutions` for `definition`: one entry per placeholder it uses.
 *
 * @throws AslDefinitionError listing every placeholder without a value.
 */
export function substitutionsFor(
  definition: AslDefinition,
  available: Readonly<Record<string, string>>,
): Record<string, string> {
  const missing = definition.placeholders.filter((name) => !(name in available));
  if (missing.length > 0) {
    throw new AslDefinitionError(
      `${path.relative(PROJECT_ROOT, definition.file)} uses placeholder(s) ${missing
        .map((name) => `\${${name}}`)
        .join(', ')} that nothing provides; known placeholders are ${Object.keys(available)
        .map((name) => `\${${name}}`)
        .join(
          ', ',
        )}. Add the function to lib/pipeline-functions.ts (aslPlaceholder) or the value to aslValuePlaceholders.`,
    );
  }
  return Object.fromEntries(definition.placeholders.map((name) => [name, available[name] ?? '']));
}
