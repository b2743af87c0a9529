/**
 * Lambda's `/tmp` for handlers run in-process: each function "container" gets its own directory,
 * reused by the next invocation that finds the container idle (a warm start: what an invocation
 * leaves behind is still there, and counts against the storage) and a new one when all are busy
 * (a cold start). The local runner bounds each directory by the function's configured ephemeral
 * storage (`EphemeralStorage.Size` in the synthesized template), measuring it while the
 * invocation runs and after it, and charging each write through the spool helpers as it happens
 * (src/landing/tmp-volume.ts), so the write that would not fit fails then, as on Lambda.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One container's `/tmp`. */
export interface TmpContainer {
  readonly functionId: string;
  readonly dir: string;
}

/** A full `/tmp`, as Node's file system reports it to the handler and Lambda reports it after. */
export function noSpaceLeft(functionId: string, usedBytes: number, storageMb: number): Error {
  return Object.assign(
    new Error(
      `ENOSPC: no space left on device, write (${functionId}'s /tmp holds ${usedBytes} bytes; its ephemeral storage is ${storageMb} MB)`,
    ),
    { code: 'ENOSPC', errno: -28, syscall: 'write' },
  );
}

/** Container directories not yet disposed of: removed when the process exits, whatever happens. */
const liveBases = new Set<string>();
let exitHookInstalled = false;

function track(base: string): void {
  liveBases.add(base);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of liveBases) rmSync(dir, { recursive: true, force: true });
  });
}

/** The containers of one runner, by function; {@link dispose} removes every directory. */
export class TmpContainers {
  private base: string | null = null;
  private readonly idle = new Map<string, TmpContainer[]>();
  private readonly all: TmpContainer[] = [];

  /** Every container made so far (for tests: what each function left in its `/tmp`). */
  containersOf(functionId: string): readonly TmpContainer[] {
    return this.all.filter((container) => container.functionId === functionId);
  }

  /** An idle container of `functionId`, or a new one. Give it back with {@link release}. */
  async acquire(functionId: string): Promise<TmpContainer> {
    const warm = this.idle.get(functionId)?.pop();
    if (warm) return warm;
    if (!this.base) {
      this.base = mkdtempSync(join(tmpdir(), 'simulacra-lambda-tmp-'));
      track(this.base);
    }
    const container = { functionId, dir: await mkdtemp(join(this.base, `${functionId}-`)) };
    this.all.push(container);
    return container;
  }

  release(container: TmpContainer): void {
    const list = this.idle.get(container.functionId) ?? [];
    list.push(container);
    this.idle.set(container.functionId, list);
  }

  /** Removes every container's directory. */
  dispose(): void {
    if (this.base) {
      rmSync(this.base, { recursive: true, force: true });
      liveBases.delete(this.base);
    }
    this.base = null;
    this.idle.clear();
    this.all.length = 0;
  }
}
