/**
 * The layer rules in .dependency-cruiser.cjs (run by `npm test`, step "layers") fire: a small
 * tree with one reversed import per rule and one cycle is checked with the project's own config,
 * and every rule must report exactly its counter-example.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

/** Files of the counter-example tree: path → the relative imports it makes. */
const tree: Record<string, readonly string[]> = {
  // allowed: core → core, adapter → core, infrastructure → core, tools → anything but tests
  'src/state/ok.ts': [],
  'lambdas/ok.ts': ['../src/state/ok.ts'],
  'lib/ok.ts': ['../src/state/ok.ts'],
  'src/local/ok.ts': ['../../lib/ok.ts', '../state/ok.ts'],
  'bench/ok.ts': ['../test/support/harness.ts'],
  'test/support/harness.ts': ['../../src/local/ok.ts'],
  'test/unit/ok.test.ts': ['../support/harness.ts', '../../lambdas/ok.ts'],
  // one violation per rule
  'src/pipeline/reversed.ts': ['../../lambdas/ok.ts'],
  'lambdas/reversed.ts': ['../lib/ok.ts'],
  'lib/reversed.ts': ['../src/cli/tool.ts'],
  'src/cli/tool.ts': ['../../test/unit/ok.test.ts'],
  'simulator/reversed.ts': ['../test/support/harness.ts'],
  'test/unit/leaf.test.ts': ['./ok.test.ts'],
  'src/client/a.ts': ['./b.ts'],
  'src/client/b.ts': ['./a.ts'],
};

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

let dir = '';
let violations: Violation[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true } }),
  );
  for (const [file, imports] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    const body = imports.map((target, index) => `import * as m${index} from '${target}';\nvoid m${index};`);
    writeFileSync(path.join(dir, file), `${body.join('\n')}\nexport const here = 1;\n`);
  }
  let output: string;
  try {
    output = execFileSync(
      DEPCRUISE,
      [
        '--config',
        path.join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
        'src',
        'lambdas',
        'lib',
        'simulator',
        'bench',
        'test',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
  } catch (error) {
    // depcruise exits non-zero when it finds violations; its report is still on stdout.
    output = (error as { stdout: string }).stdout;
  }
  const report = JSON.parse(output) as { summary: { violations: Violation[] } };
  violations = report.summary.violations;
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function firing(rule: string): string[] {
  return violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}`);
}

describe('layer rules', () => {
  it('the core may not import an adapter, the infrastructure, a tool or a test', () => {
    expect(firing('core-imports-nothing-above')).toEqual(['src/pipeline/reversed.ts → lambdas/ok.ts']);
  });

  it('an adapter may not import the infrastructure', () => {
    expect(firing('adapters-import-only-the-core')).toEqual(['lambdas/reversed.ts → lib/ok.ts']);
  });

  it('the infrastructure may not import a tool', () => {
    expect(firing('infrastructure-imports-no-adapters-or-tools')).toEqual([
      'lib/reversed.ts → src/cli/tool.ts',
    ]);
  });

  it('a tool may not import a test, and only benchmarks use test/support', () => {
    expect(firing('tools-import-no-tests')).toEqual(['src/cli/tool.ts → test/unit/ok.test.ts']);
    expect(firing('only-benchmarks-use-test-support')).toEqual([
      'simulator/reversed.ts → test/support/harness.ts',
    ]);
  });

  it('no file imports a test file', () => {
    expect(firing('nothing-imports-test-files').sort()).toEqual([
      'src/cli/tool.ts → test/unit/ok.test.ts',
      'test/unit/leaf.test.ts → test/unit/ok.test.ts',
    ]);
  });

  it('a cycle is reported', () => {
    expect(firing('no-cycles')).toEqual(['src/client/a.ts → src/client/b.ts']);
  });

  it('nothing else fires: the allowed directions pass', () => {
    expect(violations).toHaveLength(8);
  });
});
