/**
 * Bundles one function for a caller that must wait synchronously (the construct's synth-time
 * bundling in lib/function-factory.ts, CDK's `tryBundle`): esbuild runs plugins only in its
 * asynchronous `build`, so the caller runs this file in a child `node` and waits for it.
 * `node lib/bundle-function.ts <projectRoot> <entry> <outdir> [--exec-wrapper]` (Node 24 runs the
 * TypeScript as is); `--exec-wrapper` also puts the exec wrapper in the asset (lib/lambda-runtime.ts).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import { functionBundleOptions } from './bundling.ts';
import { installExecWrapper } from './lambda-runtime.ts';

/** esbuild's output kept from the child: its warnings, or a failure with every error named. */
const CHILD_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Bundles `entry` (relative to `projectRoot`) into `outdir` in a child process; throws on failure.
 * Whatever esbuild reports (warnings of a build that succeeds too) goes to the synth's stderr.
 * `execWrapper` also puts the exec wrapper in the asset (lib/lambda-runtime.ts).
 */
export function bundleFunctionSync(
  projectRoot: string,
  entry: string,
  outdir: string,
  options: { readonly execWrapper?: boolean } = {},
): void {
  const script = fileURLToPath(import.meta.url);
  // Node 24 strips the types itself; an older Node (e.g. `npx cdk synth` on Node 20) needs tsx.
  const typescript = (process.features as { typescript?: unknown }).typescript;
  const loader = script.endsWith('.ts') && !typescript ? ['--import', 'tsx'] : [];
  const result = spawnSync(
    process.execPath,
    [...loader, script, projectRoot, entry, outdir, ...(options.execWrapper ? ['--exec-wrapper'] : [])],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
      maxBuffer: CHILD_OUTPUT_MAX_BYTES,
    },
  );
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.status !== 0) {
    throw new Error(
      `Bundling ${entry} failed: ${result.stderr || result.error?.message || `exit ${result.status}`}`,
    );
  }
}

async function main(args: readonly string[]): Promise<void> {
  const [projectRoot, entry, outdir, flag] = args;
  if (!projectRoot || !entry || !outdir || (flag !== undefined && flag !== '--exec-wrapper')) {
    throw new Error('usage: node lib/bundle-function.ts <projectRoot> <entry> <outdir> [--exec-wrapper]');
  }
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new Error(
      `Bundling ${entry} needs esbuild (a devDependency of this repository): run npm install.`,
      {
        cause: err,
      },
    );
  }
  await esbuild.build(functionBundleOptions(projectRoot, entry, outdir));
  if (flag === '--exec-wrapper') installExecWrapper(projectRoot, outdir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
