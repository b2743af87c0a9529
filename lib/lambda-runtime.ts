/**
 * How Lambda's Node.js runtime starts node, and the exec wrapper that lets a function change it.
 * The runtime's bootstrap puts its own V8 memory flags on node's command line, sized from the
 * function's memory, and command-line options win over `NODE_OPTIONS`: a V8 heap setting in
 * `NODE_OPTIONS` does nothing on AWS. A function that needs one ships
 * `lambdas/runtime/exec-wrapper.sh` in its asset and names it in `AWS_LAMBDA_EXEC_WRAPPER`; the
 * runtime then runs the wrapper with its whole node command line, and the wrapper swaps the flag.
 * The benchmarks start their landing children the same way ({@link lambdaBootstrapNodeArgs}
 * through the wrapper), so what they measure is what AWS runs.
 */
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** The wrapper script in this repository, relative to its root. */
export const EXEC_WRAPPER_SOURCE = 'lambdas/runtime/exec-wrapper.sh';
/** The wrapper's file name inside a function's asset (the asset's root is `/var/task`). */
export const EXEC_WRAPPER_FILE = 'exec-wrapper.sh';
/** Where Lambda unpacks a function's code. */
export const LAMBDA_TASK_ROOT = '/var/task';
/** The variable the wrapper reads the semi-space size from, MiB. */
export const SEMI_SPACE_ENV = 'SIMULACRA_MAX_SEMI_SPACE_MB';
/** The variable the wrapper reads the initial old-space size from, MiB. */
export const INITIAL_OLD_SPACE_ENV = 'SIMULACRA_INITIAL_OLD_SPACE_MB';

/**
 * The node arguments Lambda's Node.js runtime bootstrap starts the runtime with for a function of
 * `memoryMb` (before the runtime's own script): a tenth of the memory for V8's young generation
 * (two semi-spaces of half that), the rest for the old generation.
 */
export function lambdaBootstrapNodeArgs(memoryMb: number): string[] {
  if (!Number.isInteger(memoryMb) || memoryMb < 128) {
    throw new Error(`Lambda memory size must be a whole number of MB of at least 128, got ${memoryMb}`);
  }
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size',
    '81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
}

/**
 * The environment that makes Lambda start the function through the wrapper with V8 semi-spaces of
 * `maxSemiSpaceMb` and an initial old space of `initialOldSpaceMb` (each only when given); none
 * without either.
 */
export function execWrapperEnvironment(
  maxSemiSpaceMb?: number,
  initialOldSpaceMb?: number,
): Record<string, string> {
  const sizes: Array<[string, string, number | undefined]> = [
    ['maxSemiSpaceMb', SEMI_SPACE_ENV, maxSemiSpaceMb],
    ['initialOldSpaceMb', INITIAL_OLD_SPACE_ENV, initialOldSpaceMb],
  ];
  const env: Record<string, string> = {};
  for (const [name, variable, mib] of sizes) {
    if (mib === undefined) continue;
    if (!Number.isInteger(mib) || mib < 1) {
      throw new Error(`${name} must be a whole number of MiB of at least 1, got ${mib}`);
    }
    env[variable] = String(mib);
  }
  if (Object.keys(env).length === 0) return {};
  return { AWS_LAMBDA_EXEC_WRAPPER: path.posix.join(LAMBDA_TASK_ROOT, EXEC_WRAPPER_FILE), ...env };
}

/** Copies the wrapper into an asset directory, executable (Lambda runs it only with the exec bit). */
export function installExecWrapper(projectRoot: string, assetDir: string): void {
  const target = path.join(assetDir, EXEC_WRAPPER_FILE);
  copyFileSync(path.join(projectRoot, EXEC_WRAPPER_SOURCE), target);
  chmodSync(target, 0o755);
}

/** Whether `assetDir` holds the wrapper. */
export function hasExecWrapper(assetDir: string): boolean {
  return existsSync(path.join(assetDir, EXEC_WRAPPER_FILE));
}
