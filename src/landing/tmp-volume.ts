/**
 * The `/tmp` volume a spool file is written to, when something declares one. On Lambda nobody
 * does: `/tmp` is its own file system of the function's ephemeral storage, and the kernel fails
 * the write that does not fit with ENOSPC. The local runner gives each function container a plain
 * directory on the machine's disk instead, so it declares that directory as a volume of the
 * function's storage for the length of each invocation, and every write through the spool helpers
 * (spool.ts: the one way the handlers write to `/tmp`) is charged to it byte for byte: the write
 * that would not fit fails then, as on Lambda, even when its file is removed before the runner
 * would next have measured the directory. Removals through the helpers are credited back.
 */
import { sep } from 'node:path';

export interface TmpVolumeDeclaration {
  /** The directory that stands for `/tmp`. */
  readonly root: string;
  readonly capacityBytes: number;
  /** Bytes the directory holds when declared (what earlier invocations left behind). */
  readonly usedBytes: number;
  /** The error a write fails with when the volume cannot hold `attemptedBytes`. */
  readonly full: (attemptedBytes: number) => Error;
}

interface TmpVolume extends TmpVolumeDeclaration {
  usedBytes: number;
}

/** Declared volumes by root; on `globalThis` so every instance of this module sees them. */
const volumes = ((globalThis as Record<symbol, unknown>)[Symbol.for('simulacra.tmp-volumes')] ??= new Map<
  string,
  TmpVolume
>()) as Map<string, TmpVolume>;

/** Declares `root` a volume of `capacityBytes`; the returned function withdraws it. */
export function declareTmpVolume(declaration: TmpVolumeDeclaration): () => void {
  const volume: TmpVolume = { ...declaration };
  volumes.set(declaration.root, volume);
  return () => {
    if (volumes.get(declaration.root) === volume) volumes.delete(declaration.root);
  };
}

/** The declared volume `path` lies in, or null (always null on Lambda). */
function volumeOf(path: string): TmpVolume | null {
  for (const [root, volume] of volumes) {
    if (path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)) return volume;
  }
  return null;
}

/**
 * Charges a write of `bytes` to `path`'s volume: throws the volume's full-disk error, charging
 * nothing, when it would hold more than its capacity. Free when `path` is on no declared volume.
 */
export function chargeTmpWrite(path: string, bytes: number): void {
  const volume = volumeOf(path);
  if (!volume) return;
  const attempted = volume.usedBytes + bytes;
  if (attempted > volume.capacityBytes) throw volume.full(attempted);
  volume.usedBytes = attempted;
}

/** Credits `bytes` removed under `path` back to its volume. */
export function creditTmpRemoval(path: string, bytes: number): void {
  const volume = volumeOf(path);
  if (volume) volume.usedBytes = Math.max(0, volume.usedBytes - bytes);
}
