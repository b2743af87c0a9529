import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bundleFunctionSync } from '../../../lib/bundle-function.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'bundle-function-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

/** Captures what is written to this process's stderr while `run` runs. */
function stderrOf(run: () => void): string {
  let written = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  });
  try {
    run();
  } finally {
    vi.restoreAllMocks();
  }
  return written;
}

describe('bundleFunctionSync (synth-time bundling in a child process)', () => {
  it("shows esbuild's warnings of a build that succeeds", () => {
    writeFileSync(path.join(root, 'handler.ts'), 'export const handler = () => ({ a: 1, a: 2 });\n');
    const out = path.join(root, 'out');
    const stderr = stderrOf(() => bundleFunctionSync(root, 'handler.ts', out));
    expect(existsSync(path.join(out, 'index.mjs'))).toBe(true);
    expect(stderr).toMatch(/Duplicate key "a" in object literal/);
  });

  it("fails naming esbuild's error, also shown as it happened", () => {
    writeFileSync(path.join(root, 'handler.ts'), "import { x } from './missing.ts';\nexport const y = x;\n");
    let thrown: unknown;
    const stderr = stderrOf(() => {
      try {
        bundleFunctionSync(root, 'handler.ts', path.join(root, 'out'));
      } catch (err) {
        thrown = err;
      }
    });
    expect(String(thrown)).toMatch(/Bundling handler\.ts failed: .*Could not resolve "\.\/missing\.ts"/s);
    expect(stderr).toContain('Could not resolve "./missing.ts"');
  });

  it('prints nothing for a clean build', () => {
    writeFileSync(path.join(root, 'handler.ts'), 'export const handler = () => 1;\n');
    expect(stderrOf(() => bundleFunctionSync(root, 'handler.ts', path.join(root, 'out')))).toBe('');
  });
});
