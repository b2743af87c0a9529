/**
 * LandArtifact's exec wrapper (lambdas/runtime/exec-wrapper.sh), run with `sh` as Lambda's runtime
 * runs it: with the runtime's whole node command line as its arguments. It must replace the
 * runtime's semi-space flag with ours and pass every other argument on exactly (spaces, empty
 * arguments, the space-separated flag form); without the runtime's flag it adds ours right after
 * node, and leaves any other command alone.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../lib/asl-definition.ts';
import {
  EXEC_WRAPPER_SOURCE,
  INITIAL_OLD_SPACE_ENV,
  SEMI_SPACE_ENV,
  execWrapperEnvironment,
  lambdaBootstrapNodeArgs,
} from '../../../lib/lambda-runtime.ts';
import {
  LANDING_INITIAL_OLD_SPACE_MB,
  LANDING_MEMORY_MB,
  LANDING_SEMI_SPACE_MB,
} from '../../../lib/pipeline-functions.ts';

const wrapper = path.join(PROJECT_ROOT, EXEC_WRAPPER_SOURCE);
/** Prints node's own flags and its arguments as JSON. */
const PRINT_NODE_ARGS =
  'console.log(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(1) }))';

function runWrapped(args: readonly string[], semiSpaceMb?: string, initialOldSpaceMb?: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[SEMI_SPACE_ENV];
  delete env[INITIAL_OLD_SPACE_ENV];
  delete env['NODE_OPTIONS'];
  if (semiSpaceMb !== undefined) env[SEMI_SPACE_ENV] = semiSpaceMb;
  if (initialOldSpaceMb !== undefined) env[INITIAL_OLD_SPACE_ENV] = initialOldSpaceMb;
  return execFileSync('sh', [wrapper, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function nodeArgs(args: readonly string[], semiSpaceMb?: string, initialOldSpaceMb?: string) {
  return JSON.parse(
    runWrapped(
      [process.execPath, ...args, '-e', PRINT_NODE_ARGS, '--', 'x y'],
      semiSpaceMb,
      initialOldSpaceMb,
    ),
  ) as {
    execArgv: string[];
    argv: string[];
  };
}

describe("Lambda runtime's node command line", () => {
  it('sizes the V8 heap from the memory size as the Node.js bootstrap does', () => {
    expect(lambdaBootstrapNodeArgs(LANDING_MEMORY_MB)).toEqual([
      '--expose-gc',
      '--max-http-header-size',
      '81920',
      '--max-semi-space-size=176',
      '--max-old-space-size=3185',
    ]);
    expect(lambdaBootstrapNodeArgs(1024)).toContain('--max-semi-space-size=51');
    expect(() => lambdaBootstrapNodeArgs(64)).toThrow(/at least 128/);
  });

  it('names the wrapper in the function environment only when a semi-space size is set', () => {
    expect(execWrapperEnvironment()).toEqual({});
    expect(execWrapperEnvironment(LANDING_SEMI_SPACE_MB)).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/var/task/exec-wrapper.sh',
      [SEMI_SPACE_ENV]: String(LANDING_SEMI_SPACE_MB),
    });
    expect(() => execWrapperEnvironment(0)).toThrow(/maxSemiSpaceMb/);
    expect(execWrapperEnvironment(LANDING_SEMI_SPACE_MB, LANDING_INITIAL_OLD_SPACE_MB)).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/var/task/exec-wrapper.sh',
      [SEMI_SPACE_ENV]: String(LANDING_SEMI_SPACE_MB),
      [INITIAL_OLD_SPACE_ENV]: String(LANDING_INITIAL_OLD_SPACE_MB),
    });
    expect(execWrapperEnvironment(undefined, 64)).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/var/task/exec-wrapper.sh',
      [INITIAL_OLD_SPACE_ENV]: '64',
    });
    expect(() => execWrapperEnvironment(16, 1.5)).toThrow(/initialOldSpaceMb/);
  });
});

describe('exec wrapper', () => {
  it('is executable in the repository (its copy in the asset is made executable too)', () => {
    expect(statSync(wrapper).mode & 0o111).toBe(0o111);
  });

  it("replaces the runtime's semi-space flag and passes every other argument on exactly", () => {
    const args = [...lambdaBootstrapNodeArgs(LANDING_MEMORY_MB), 'a b  c', '', '--x=1 2'];
    const out = runWrapped(['printf', '[%s]\\n', ...args], '16');
    expect(out).toBe(
      [
        '--expose-gc',
        '--max-http-header-size',
        '81920',
        '--max-semi-space-size=16',
        '--max-old-space-size=3185',
        'a b  c',
        '',
        '--x=1 2',
      ]
        .map((a) => `[${a}]\n`)
        .join(''),
    );
  });

  it('leaves node with only our semi-space size, whatever form the flag had', () => {
    const bootstrap = lambdaBootstrapNodeArgs(LANDING_MEMORY_MB);
    expect(nodeArgs(bootstrap, '16').execArgv).toEqual([
      '--expose-gc',
      '--max-http-header-size',
      '81920',
      '--max-semi-space-size=16',
      '--max-old-space-size=3185',
      '-e',
      PRINT_NODE_ARGS,
    ]);
    const spaced = nodeArgs(['--max-semi-space-size', '176', '--expose-gc'], '16');
    expect(spaced.execArgv.slice(0, 2)).toEqual(['--max-semi-space-size=16', '--expose-gc']);
    expect(spaced.argv).toEqual(['x y']);
  });

  it('adds ours right after node when the runtime passes none, and nothing to another command', () => {
    expect(nodeArgs(['--expose-gc'], '16').execArgv.slice(0, 2)).toEqual([
      '--max-semi-space-size=16',
      '--expose-gc',
    ]);
    expect(runWrapped(['printf', '[%s]', 'a b'], '16')).toBe('[a b]');
  });

  it('runs the command unchanged without a semi-space size, and refuses a bad one', () => {
    expect(runWrapped(['printf', '[%s]', '--max-semi-space-size=176'])).toBe('[--max-semi-space-size=176]');
    expect(() => runWrapped(['printf', 'x'], '16m')).toThrow(/whole number of MiB, got '16m'/);
    expect(() => runWrapped([], '16')).toThrow(/no command to run/);
  });

  it("sets the initial old-space size beside the semi-space size, after node or in place of the runtime's", () => {
    const bootstrap = lambdaBootstrapNodeArgs(LANDING_MEMORY_MB);
    expect(nodeArgs(bootstrap, '16', '64').execArgv).toEqual([
      '--initial-old-space-size=64',
      '--expose-gc',
      '--max-http-header-size',
      '81920',
      '--max-semi-space-size=16',
      '--max-old-space-size=3185',
      '-e',
      PRINT_NODE_ARGS,
    ]);
    // Only the old space: the runtime's semi-space flag stays as it came.
    expect(nodeArgs(bootstrap, undefined, '64').execArgv.slice(0, 6)).toEqual([
      '--initial-old-space-size=64',
      ...bootstrap,
    ]);
    const spaced = nodeArgs(['--initial-old-space-size', '8', '--expose-gc'], undefined, '64');
    expect(spaced.execArgv.slice(0, 2)).toEqual(['--initial-old-space-size=64', '--expose-gc']);
    expect(spaced.argv).toEqual(['x y']);
    expect(runWrapped(['printf', '[%s]', '--initial-old-space-size=8'], undefined, '64')).toBe(
      '[--initial-old-space-size=64]',
    );
    expect(() => runWrapped(['printf', 'x'], '16', '64m')).toThrow(/whole number of MiB, got '64m'/);
  });
});
