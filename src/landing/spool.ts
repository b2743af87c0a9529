/**
 * Spool directories in the local temp dir (`/tmp` on Lambda) for artifacts inspected after they
 * stream. Each is named after the process that made it (`landing-<pid>-<random>`). A landing that
 * dies mid-stream (Lambda timeout: the runtime restarts, `/tmp` stays) cannot remove its spool,
 * so the first landing of each process removes spool directories no live landing owns: those of
 * dead processes, and those carrying this process's pid that it did not make (the pid of a
 * restarted Lambda runtime is often the same).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const SPOOL_PREFIX = 'landing-';
const SPOOL_NAME = /^landing-(\d+)-[^/]+$/;

/**
 * Spool directories this process made and has not removed yet. Kept on `globalThis` so every
 * instance of this module in the process (test runners load modules more than once) sees them.
 */
const owned = ((globalThis as Record<symbol, unknown>)[Symbol.for('simulacra.landing.spool-dirs')] ??=
  new Set<string>()) as Set<string>;
const sweptDirs = new Map<string, Promise<number>>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the spool directories under `baseDir` that no live landing owns; returns how many. */
export async function removeStaleSpoolDirs(baseDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(baseDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = SPOOL_NAME.exec(name);
    if (!match) continue;
    const path = join(baseDir, name);
    const pid = Number(match[1]);
    const stale = pid === process.pid ? !owned.has(path) : !isAlive(pid);
    if (!stale) continue;
    await rm(path, { recursive: true, force: true }).then(
      () => (removed += 1),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Makes a spool directory under `baseDir`, after removing stale ones once per process and base
 * directory. Remove it with {@link removeSpoolDir}.
 */
export async function createSpoolDir(baseDir: string): Promise<string> {
  let sweep = sweptDirs.get(baseDir);
  if (!sweep) {
    sweep = removeStaleSpoolDirs(baseDir);
    sweptDirs.set(baseDir, sweep);
  }
  await sweep;
  const dir = await mkdtemp(join(baseDir, `${SPOOL_PREFIX}${process.pid}-`));
  owned.add(dir);
  return dir;
}

/** Removes a directory made by {@link createSpoolDir}. */
export async function removeSpoolDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  owned.delete(dir);
}
