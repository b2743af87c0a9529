/**
 * `npm run bench [-- --quick]`: runs every benchmark in sequence on this machine, writes
 * `bench/results/*.json` and regenerates BENCHMARKS.md. A benchmark that fails is reported and
 * the others still run; the exit code is 1 if any benchmark failed (missed targets are reported in
 * BENCHMARKS.md, not as a failure). `--quick` skips the 1 GB landing cases; `--only a,b` runs a subset (landing, cost, economy, scale,
 * cold-start, fault-matrix) and re-renders the report from all results on disk.
 *
 * Each benchmark runs in its own Node process: the handlers keep module-level singletons (AWS
 * clients, the vendor client) bound to the moto and simulator of the first benchmark that loaded them.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, isMain, round, runAsScript, writeResult } from './common.ts';
import { runFaultMatrix, type FaultMatrixStatus } from './fault-matrix.ts';
import { writeBenchmarks, type RunMeta } from './report.ts';

/** Runs `bench/<file>` in a child Node (through tsx), output to this terminal; rejects on failure. */
function runBenchmarkProcess(file: string, args: readonly string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bench', file), ...args], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`bench/${file} exited with ${code}`)),
    );
  });
}

export const BENCHMARKS = [
  'landing',
  'quality',
  'cost',
  'economy',
  'scale',
  'cold-start',
  'fault-matrix',
] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

/** Parses `--quick` (no 1 GB landing cases) and `--only a,b`; throws naming an unknown benchmark. */
export function parseBenchArgs(argv: readonly string[]): { large: boolean; only: BenchmarkName[] } {
  const large = !argv.includes('--quick');
  const index = argv.indexOf('--only');
  if (index === -1) return { large, only: [...BENCHMARKS] };
  const names = (argv[index + 1] ?? '').split(',').filter(Boolean);
  const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `--only takes a comma-separated subset of ${BENCHMARKS.join(', ')}; got "${argv[index + 1] ?? ''}"`,
    );
  }
  return { large, only: names as BenchmarkName[] };
}

async function main(): Promise<void> {
  const { large, only } = parseBenchArgs(process.argv.slice(2));
  const started = performance.now();
  let faultMatrix: FaultMatrixStatus | null = null;
  const failures: string[] = [];
  const steps: Record<BenchmarkName, () => Promise<unknown>> = {
    landing: () => runBenchmarkProcess('landing.ts', large ? ['--large'] : []),
    quality: () => runBenchmarkProcess('quality.ts', large ? ['--large'] : []),
    cost: () => runBenchmarkProcess('cost.ts'),
    economy: () => runBenchmarkProcess('vendor-economy.ts'),
    scale: () => runBenchmarkProcess('scale.ts'),
    'cold-start': () => runBenchmarkProcess('cold-start.ts'),
    'fault-matrix': async () => {
      faultMatrix = await runFaultMatrix();
    },
  };
  for (const name of only) {
    const stepStart = performance.now();
    console.log(`\n== ${name} ==`);
    try {
      await steps[name]();
    } catch (err) {
      failures.push(name);
      console.error(`[${name}] failed: ${(err as Error).message}`);
    }
    console.log(`[${name}] ${round((performance.now() - stepStart) / 1000, 1)} s`);
  }
  const fm = faultMatrix as FaultMatrixStatus | null;
  const faultMatrixNote =
    fm?.test === 'missing'
      ? 'test/e2e/fault-matrix.test.ts did not exist when this report was generated; the table shows whatever results file exists.'
      : fm?.test === 'failed'
        ? `test/e2e/fault-matrix.test.ts failed in this run: ${fm.detail ?? ''}`
        : null;
  const totalSeconds = round((performance.now() - started) / 1000, 1);
  if (only.length === BENCHMARKS.length) {
    const meta: RunMeta = { totalSeconds, large, benchmarks: only, failures, faultMatrixNote };
    writeResult('run', started, meta);
  }
  const checks = writeBenchmarks();
  console.log(`\nBENCHMARKS.md written (${round(totalSeconds / 60, 1)} min)`);
  for (const c of checks) console.log(`${c.verdict.padEnd(12)} ${c.target}: ${c.measured}`);
  if (failures.length > 0) {
    console.error(`benchmarks that failed to run: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

if (isMain(import.meta.url)) runAsScript(main);
