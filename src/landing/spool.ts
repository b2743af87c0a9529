/**
 * Spool directories in the local temp dir (`/tmp` on Lambda) for artifacts inspected after they
 * stream. Each is named after the process that made it (`landing-<pid>-<random>`).
 *
 * When an invocation gives up at its early timeout the handler answers `InvocationTimeoutError`
 * and Lambda freezes the sandbox; the process is not restarted, and the step's Retry usually runs
 * in the same warm sandbox. The abandoned landing is stopped by the invocation's abort signal and
 * removes its own spool (`land.ts`); this process still owns it until then, so the sweep below
 * leaves it alone. Only when the process itself dies (Lambda's hard timeout or an out-of-memory
 * kill: the runtime restarts, `/tmp` stays) is a spool left behind, so the first landing of each
 * process removes spool directories no live landing owns: those of dead processes, and those
 * carrying this process's pid that it did not make (the pid of a restarted runtime is often the same).
 */
import { createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { EphemeralStorageError } from './errors.ts';
import { chargeTmpWrite, creditTmpRemoval } from './tmp-volume.ts';

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
    if (
      await removeTmpDir(path).then(
        () => true,
        () => false,
      )
    )
      removed += 1;
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
  await removeTmpDir(dir);
  owned.delete(dir);
}

/** Removes `dir`, crediting what it held back to its `/tmp` volume (tmp-volume.ts). */
async function removeTmpDir(dir: string): Promise<void> {
  const bytes = await directoryBytes(dir);
  await rm(dir, { recursive: true, force: true });
  creditTmpRemoval(dir, bytes);
}

/** Bytes held by the files under `dir` (recursively); 0 when it does not exist. */
export async function directoryBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // A file removed while we count holds nothing any more.
    total += await lstat(join(entry.parentPath, entry.name)).then(
      (stat) => stat.size,
      () => 0,
    );
  }
  return total;
}

export interface SpoolFileOptions {
  /** Bytes the file may hold; one more and the write fails with `full(attemptedBytes)`. */
  readonly budgetBytes: number;
  /** The error a write beyond the budget fails with (the disk is full). */
  readonly full: (attemptedBytes: number) => Error;
  readonly highWaterMark?: number | undefined;
}

/**
 * A spool file that holds at most `budgetBytes`: what `/tmp` has left. On Lambda a write beyond
 * the ephemeral storage fails with ENOSPC; failing at the budget fails the same way, with an
 * error that names the setting, and before the disk of a shared machine fills.
 */
export function createSpoolFile(path: string, options: SpoolFileOptions): Writable {
  const file = createWriteStream(path, { highWaterMark: options.highWaterMark });
  let written = 0;
  const spool = new Writable({
    highWaterMark: options.highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      if (written + chunk.byteLength > options.budgetBytes) {
        callback(options.full(written + chunk.byteLength));
        return;
      }
      try {
        // What else shares /tmp counts too: the write that does not fit fails as on Lambda.
        chargeTmpWrite(path, chunk.byteLength);
      } catch (err) {
        callback(err as Error);
        return;
      }
      written += chunk.byteLength;
      if (file.write(chunk)) callback();
      else file.once('drain', () => callback());
    },
    final(callback) {
      file.end((err?: Error | null) => callback(err));
    },
    destroy(err, callback) {
      file.destroy();
      callback(err);
    },
  });
  file.on('error', (err) => spool.destroy(err));
  return spool;
}

export interface ArtifactSpool {
  readonly dir: string;
  readonly file: string;
  readonly stream: Writable;
}

/** A spool's bound: the function's ephemeral storage, and what to say when a file cannot fit. */
export interface SpoolBound {
  /** The function's ephemeral storage, bytes (unbounded when absent). */
  readonly storageBytes?: number | undefined;
  readonly generationId: string;
  /** What is spooled ("the artifact"), for the error. */
  readonly what: string;
  /** The other way out, after raising the setting. */
  readonly alternative?: string;
}

/**
 * A spool file under `baseDir` (`/tmp`) that holds at most what the storage has left: a file whose
 * `contentLength` exceeds it is refused before a byte is written, one of unknown length fails as a
 * full disk when it outgrows it ({@link EphemeralStorageError} either way).
 */
export async function openBoundedSpoolFile(
  baseDir: string,
  file: string,
  contentLength: number | null,
  bound: SpoolBound,
  highWaterMark?: number,
): Promise<Writable> {
  const storageBytes = bound.storageBytes ?? Number.POSITIVE_INFINITY;
  const freeBytes = Number.isFinite(storageBytes)
    ? Math.max(0, storageBytes - (await directoryBytes(baseDir)))
    : storageBytes;
  const refuse = (neededBytes: number, what: string): EphemeralStorageError =>
    new EphemeralStorageError(
      bound.generationId,
      { neededBytes, freeBytes, storageBytes },
      what,
      ...(bound.alternative ? [bound.alternative] : []),
    );
  if (contentLength !== null && contentLength > freeBytes) throw refuse(contentLength, bound.what);
  return createSpoolFile(file, {
    budgetBytes: freeBytes,
    full: (attempted) => refuse(attempted, `the spooled ${bound.what.replace(/^the /, '')}`),
    highWaterMark,
  });
}

/**
 * Makes the spool of one artifact under `baseDir` (`/tmp`), bounded by `storageBytes` (see
 * {@link openBoundedSpoolFile}); nothing is left behind when it is refused.
 */
export async function openArtifactSpool(options: {
  readonly baseDir: string;
  readonly fileName: string;
  readonly generationId: string;
  readonly contentLength: number | null;
  readonly storageBytes?: number | undefined;
  readonly highWaterMark?: number | undefined;
}): Promise<ArtifactSpool> {
  const dir = await createSpoolDir(options.baseDir);
  const file = join(dir, options.fileName);
  try {
    const stream = await openBoundedSpoolFile(
      options.baseDir,
      file,
      options.contentLength,
      { storageBytes: options.storageBytes, generationId: options.generationId, what: 'the artifact' },
      options.highWaterMark,
    );
    return { dir, file, stream };
  } catch (err) {
    await removeSpoolDir(dir);
    throw err;
  }
}
