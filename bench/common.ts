/**
 * Shared plumbing of the benchmarks: where results go, the result envelope, small statistics,
 * child processes that report JSON and their peak memory, and "run this module alone" support.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/** The machine a result was measured on (ratios are comparable across machines, absolutes are not). */
export interface MachineInfo {
  readonly node: string;
  readonly cpu: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly platform: string;
}

/** Every results file: which benchmark, when, where, and its own payload. */
export interface BenchResult<T> {
  readonly benchmark: string;
  readonly generatedAt: string;
  readonly machine: MachineInfo;
  /** Wall time of the benchmark itself, seconds. */
  readonly wallSeconds: number;
  readonly data: T;
}

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cpus: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Path of a benchmark's results file. */
export function resultPath(benchmark: string): string {
  return join(RESULTS_DIR, `${benchmark}.json`);
}

/** Writes `bench/results/<benchmark>.json` and returns the envelope. */
export function writeResult<T>(benchmark: string, startedAt: number, data: T): BenchResult<T> {
  const result: BenchResult<T> = {
    benchmark,
    generatedAt: new Date().toISOString(),
    machine: machineInfo(),
    wallSeconds: round((performance.now() - startedAt) / 1000, 1),
    data,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultPath(benchmark), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** Reads a results file, or null when that benchmark has not run. */
export function readResult<T>(benchmark: string): BenchResult<T> | null {
  try {
    return JSON.parse(readFileSync(resultPath(benchmark), 'utf8')) as BenchResult<T>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `value / baseline`, rounded; null when the baseline is not positive. */
export function ratio(value: number, baseline: number, digits = 2): number | null {
  if (!(baseline > 0) || !Number.isFinite(value)) return null;
  return round(value / baseline, digits);
}

/** MB/s (10^6 bytes per second). */
export function mbPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? round(bytes / 1e6 / seconds, 1) : 0;
}

export const MB = 1_000_000;
export const MiB = 1024 * 1024;

/** What a child process reports: its JSON answer plus its memory high-water mark. */
export interface ChildReport<T> {
  readonly result: T;
  /** Highest `process.memoryUsage.rss()` sampled every 100 ms, MiB. */
  readonly peakRssMiB: number;
  /** `process.resourceUsage().maxRSS` at exit, MiB (the kernel's own high-water mark). */
  readonly maxRssMiB: number;
  /** RSS once the child had loaded its modules, before the measured work, MiB. */
  readonly baselineRssMiB: number;
}

const CHILD_MARKER = '@@bench-result@@';

/** How {@link runChild} starts node: as a Lambda runtime does (see bench/landing.ts). */
export interface ChildLaunch {
  /** node's arguments before the script (e.g. the runtime's memory flags). */
  readonly nodeArgs: readonly string[];
  /** An executable run with the whole node command line as its arguments, which execs it. */
  readonly wrapper?: string;
  /** Variables the wrapper or node read. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `script` in a fresh Node process and returns what it printed with {@link reportFromChild}:
 * a TypeScript module (relative to the repository root) through tsx, or a built `.mjs`/`.js` file
 * as it is. `cleanEnv` gives the child only PATH and the launch's variables (a Lambda function sees
 * its own environment, not the machine's). Throws with the child's stderr on failure.
 */
export function runChild<T>(
  script: string,
  args: readonly string[],
  options: {
    env?: Record<string, string>;
    timeoutMs?: number;
    launch?: ChildLaunch;
    cleanEnv?: boolean;
  } = {},
): Promise<ChildReport<T>> {
  return new Promise((resolvePromise, reject) => {
    // BENCH_CPU_PROF_DIR=<dir>: every child writes a V8 CPU profile there (open in Chrome DevTools).
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profileDir)] : [];
    const launch = options.launch;
    const built = /\.m?js$/.test(script);
    const node = [
      process.execPath,
      ...(launch?.nodeArgs ?? []),
      ...profile,
      ...(built ? [] : ['--import', 'tsx']),
      resolve(REPO_ROOT, script),
      ...args,
    ];
    const [command, ...commandArgs] = launch?.wrapper ? [launch.wrapper, ...node] : node;
    const base = options.cleanEnv ? { PATH: process.env.PATH ?? '' } : process.env;
    const child = spawn(command!, commandArgs, {
      cwd: REPO_ROOT,
      env: { ...base, ...options.env, ...launch?.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(CHILD_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${stderr.slice(-4000)}`));
        return;
      }
      resolvePromise(JSON.parse(line.slice(CHILD_MARKER.length)) as ChildReport<T>);
    });
  });
}

/**
 * Samples RSS every 100 ms until stopped; call in a child before the measured work. Reads RSS alone
 * (`memoryUsage.rss()`, not the full `memoryUsage()`, which walks the heap spaces) and not more
 * often: the samples cost the measured process CPU, and the kernel's high-water mark
 * (`resourceUsage().maxRSS`, reported beside them) catches a peak between two samples.
 */
export function startRssSampler(): {
  stop(): { peakRssMiB: number; maxRssMiB: number; baselineRssMiB: number };
} {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return {
        peakRssMiB: round(peak / MiB, 1),
        // Linux reports maxRSS in KiB.
        maxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
        baselineRssMiB: round(baseline / MiB, 1),
      };
    },
  };
}

/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of CPU times in /proc. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, all threads) used so far by the live processes of process group
 * `group`, from /proc; null where there is no /proc. Differences around a step give what the
 * group (e.g. the moto server) spent on it.
 */
export function processGroupCpuSeconds(group: number | undefined): number | null {
  if (group === undefined || !existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited since the listing
    }
    // After "pid (comm) ": state, ppid, pgrp, ... utime (14th field), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== group) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Prints a child's report on stdout for {@link runChild}. */
export function reportFromChild<T>(report: ChildReport<T>): void {
  process.stdout.write(`${CHILD_MARKER}${JSON.stringify(report)}\n`);
}

/** True when `moduleUrl` is the entry script (`tsx bench/x.ts`), so a benchmark can run alone. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === moduleUrl;
}

/** Runs `main` as a script: prints errors and sets the exit code. */
export function runAsScript(main: () => Promise<unknown>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** Seconds since `startedAt` (a `performance.now()` value). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
