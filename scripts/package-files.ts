/**
 * The file graph of the compiled package: which emitted modules an entry reaches through its
 * relative imports, and the `.d.ts` import rewrite TypeScript leaves to us (it rewrites `.ts`
 * specifiers in the JavaScript it emits, not in declarations). Used by the package build and by
 * the test that checks the tarball holds nothing unreachable.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROTATION_ENTRY } from '../lib/parts/credentials.ts';
import { pipelineFunctions } from '../lib/pipeline-functions.ts';

/** Every handler the construct deploys (each gets a prebuilt bundle in the package). */
export const FUNCTION_ENTRIES: readonly string[] = [
  ...new Set([...pipelineFunctions.map((spec) => spec.entry), ROTATION_ENTRY]),
];

const RELATIVE_SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Emitted modules under `root`: `.js` and `.d.ts` files (absolute paths). */
export function emittedModules(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(?:js|d\.ts)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Relative import specifiers of a module's text. */
export function relativeSpecifiers(text: string): string[] {
  return [...text.matchAll(RELATIVE_SPECIFIER)].map((match) => match[1] ?? '');
}

/** The file a specifier names: `.js` stays `.js` for a module, becomes `.d.ts` for a declaration. */
function resolveSpecifier(from: string, specifier: string): string {
  const target = path.resolve(path.dirname(from), specifier);
  return from.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : target;
}

/**
 * `entry` and every module it reaches through relative imports (a `.js` entry follows runtime
 * imports, a `.d.ts` entry type imports).
 *
 * @throws Error naming an import whose file is missing (the package would not load).
 */
export function reachableModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`package: ${file} is imported but was not emitted`, { cause: err });
    }
    for (const specifier of relativeSpecifiers(text)) pending.push(resolveSpecifier(file, specifier));
  }
  return seen;
}

/** Rewrites `./x.ts` specifiers to `./x.js` in every declaration file under `root`. */
export function rewriteDeclarationImports(root: string): void {
  for (const file of emittedModules(root).filter((name) => name.endsWith('.d.ts'))) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(/((?:\bfrom|\bimport)\s*\(?\s*['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2');
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}
