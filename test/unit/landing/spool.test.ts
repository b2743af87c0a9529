import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpoolDir, removeSpoolDir, removeStaleSpoolDirs } from '../../../src/landing/spool.ts';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'spool-test-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('spool directories', () => {
  it('removes those of dead processes and unowned ones of this pid, keeps live and foreign ones', async () => {
    const names = {
      dead: `landing-${deadPid()}-abc123`,
      restartedRuntime: `landing-${process.pid}-left1`,
      liveParent: `landing-${process.ppid}-live1`,
      unrelated: 'landing-notapid',
    };
    for (const name of Object.values(names)) await mkdir(join(base, name, 'inner'), { recursive: true });
    const mine = await createSpoolDir(base);
    // createSpoolDir swept before making its own directory.
    expect((await readdir(base)).sort()).toEqual(
      [names.liveParent, names.unrelated, mine.slice(base.length + 1)].sort(),
    );
    expect(await removeStaleSpoolDirs(base)).toBe(0);
    await removeSpoolDir(mine);
    expect((await readdir(base)).sort()).toEqual([names.liveParent, names.unrelated].sort());
  });

  it('sweeps once per process and base directory', async () => {
    await createSpoolDir(base).then(removeSpoolDir);
    await mkdir(join(base, `landing-${deadPid()}-later1`));
    const second = await createSpoolDir(base);
    expect(await readdir(base)).toHaveLength(2);
    await removeSpoolDir(second);
  });
});
