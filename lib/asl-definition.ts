/**
 * Reading the state machine definitions (`statemachines/*.asl.json`), assembling the shared
 * fragments they reference (`statemachines/fragments/`), and checking that every `${Placeholder}`
 * gets a value, so a definition never deploys with a dangling placeholder and a renamed
 * placeholder fails at synth with the name to fix. The construct deploys, and the local runner
 * executes, the same assembled text.
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

/** A loaded definition file, with its fragments assembled. */
export interface AslDefinition {
  readonly file: string;
  /** The assembled definition (what deploys). */
  readonly text: string;
  /** The fragment files it includes (absolute paths). */
  readonly fragments: readonly string[];
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

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AslDefinitionError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Replaces every state written `{ "Fragment": "<file>", ...wiring }` (at any depth) with the
 * fragment's state plus the wiring fields (`Next`, `End`, `ResultPath`, `Catch`, ...). A field set
 * by both is refused, so a fragment never silently loses part of its definition.
 */
function assembleFragments(
  node: unknown,
  baseDir: string,
  used: string[],
  trail: readonly string[],
): unknown {
  if (Array.isArray(node)) return node.map((item) => assembleFragments(item, baseDir, used, trail));
  if (typeof node !== 'object' || node === null) return node;
  const record = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record))
    out[key] = assembleFragments(value, baseDir, used, trail);
  const reference = out['Fragment'];
  if (typeof reference !== 'string') return out;
  const fragmentFile = path.resolve(baseDir, reference);
  if (trail.includes(fragmentFile)) {
    throw new AslDefinitionError(
      `Fragment ${reference} includes itself (${[...trail, fragmentFile].join(' -> ')})`,
    );
  }
  const fragment = parseJson(fragmentFile, readFileSync(fragmentFile, 'utf8'));
  if (typeof fragment !== 'object' || fragment === null || Array.isArray(fragment)) {
    throw new AslDefinitionError(`Fragment ${reference} must be one JSON object (a state).`);
  }
  used.push(fragmentFile);
  const body = assembleFragments(fragment, path.dirname(fragmentFile), used, [
    ...trail,
    fragmentFile,
  ]) as Record<string, unknown>;
  const { Fragment: _reference, ...wiring } = out;
  const clashes = Object.keys(wiring).filter((key) => key in body);
  if (clashes.length > 0) {
    throw new AslDefinitionError(
      `Fragment ${reference} already sets ${clashes.join(', ')}; set each field in one place only.`,
    );
  }
  return { ...body, ...wiring };
}

/** Reads `file` (absolute, or relative to the repository root) and assembles its fragments. */
export function loadAslDefinition(file: string): AslDefinition {
  const absolute = path.isAbsolute(file) ? file : path.join(PROJECT_ROOT, file);
  const fragments: string[] = [];
  const assembled = assembleFragments(
    parseJson(file, readFileSync(absolute, 'utf8')),
    path.dirname(absolute),
    fragments,
    [],
  );
  const text = JSON.stringify(assembled, null, 2);
  const taskResources: string[] = [];
  collectTaskResources(assembled, taskResources);
  return { file: absolute, text, fragments, placeholders: placeholdersIn(text), taskResources };
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
