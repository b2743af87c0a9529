import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { containerTmpDir } from '../../../lambdas/commons/container.ts';
import { invokeAs } from '../../../src/local/iam/sdk-recorder.ts';
import {
  LAMBDA_DEFAULT_LIMITS,
  LambdaLimits,
  templateFunctionLimits,
} from '../../../src/local/lambda-limits.ts';
import { TmpContainers } from '../../../src/local/lambda-tmp.ts';
import {
  createSpoolDir,
  createSpoolFile,
  directoryBytes,
  removeSpoolDir,
} from '../../../src/landing/spool.ts';
import type { CfnTemplate } from '../../../src/local/template-resources.ts';

const MB = 2 ** 20;
/** 1 MB of /tmp: small enough to fill in a unit test. */
const limits = { ...LAMBDA_DEFAULT_LIMITS, ephemeralStorageMb: 1 };
let containers = new TmpContainers();

afterEach(() => {
  containers.dispose();
  containers = new TmpContainers();
});

/** A handler that writes `bytes` into its container's /tmp and keeps or removes the file. */
function writer(bytes: number, keep: boolean) {
  return async () => {
    const file = join(containerTmpDir(), `spool-${bytes}-${Math.random()}`);
    await writeFile(file, Buffer.alloc(bytes));
    if (!keep) await import('node:fs/promises').then(({ rm }) => rm(file));
    return { wrote: bytes };
  };
}

function invoke(lambda: LambdaLimits, work: () => Promise<unknown>) {
  return lambda.invoke('LandArtifact', limits, {}, (tmpDir) => invokeAs('LandArtifact', null, work, tmpDir));
}

describe("each container's /tmp, bounded by its ephemeral storage", () => {
  it('fails an invocation that leaves more than the storage in /tmp with ENOSPC, as the write would on AWS', async () => {
    const lambda = new LambdaLimits(containers);
    await expect(invoke(lambda, writer(1_500_000, true))).rejects.toMatchObject({
      code: 'ENOSPC',
      message: expect.stringMatching(
        /^ENOSPC: no space left on device.*LandArtifact.*ephemeral storage is 1 MB/,
      ),
    });
    const report = lambda.functionReports[0];
    expect(report?.peakTmpBytes).toBeGreaterThan(MB);
  });

  it('fails an invocation whose /tmp overflows while it runs, without waiting for it to end', async () => {
    const lambda = new LambdaLimits(containers);
    let finished = false;
    const slow = async () => {
      await writer(2 * MB, true)();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      finished = true;
    };
    const started = Date.now();
    await expect(invoke(lambda, slow)).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(finished).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('keeps /tmp across warm invocations: what one leaves behind counts against the next', async () => {
    const lambda = new LambdaLimits(containers);
    await expect(invoke(lambda, writer(600_000, true))).resolves.toEqual({ wrote: 600_000 });
    expect(lambda.functionReports[0]?.tmpBytesAfter).toBe(600_000);
    // Alone it fits; on top of the leftover it does not. (It keeps its file: one written and
    // removed between two samples of the watch would slip through, which the write itself would
    // not on Lambda, when a plain fs write outside the spool helpers wrote it; the check after the
    // invocation is the deterministic one.)
    await expect(invoke(lambda, writer(600_000, true))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(containers.containersOf('LandArtifact')).toHaveLength(1);
  });

  it('lets a handler that cleans up run again and again in the same container', async () => {
    const lambda = new LambdaLimits(containers);
    for (let i = 0; i < 3; i++) await invoke(lambda, writer(800_000, false));
    const [container] = containers.containersOf('LandArtifact');
    expect(readdirSync(container?.dir ?? '')).toEqual([]);
    expect(lambda.functionReports[0]).toMatchObject({ invocations: 3, tmpBytesAfter: 0 });
    expect(lambda.functionReports[0]?.peakTmpBytes).toBeLessThanOrEqual(800_000);
  });

  it('gives concurrent invocations their own containers (cold starts), each with its own /tmp', async () => {
    const lambda = new LambdaLimits(containers);
    const dirs = await Promise.all(
      [1, 2].map(() =>
        invoke(lambda, async () => {
          const dir = containerTmpDir();
          await writer(600_000, false)();
          return dir;
        }),
      ),
    );
    expect(new Set(dirs).size).toBe(2);
    containers.dispose();
    for (const dir of dirs) expect(existsSync(String(dir))).toBe(false);
  });
});

/**
 * Spools `bytes` through the /tmp writers' helper in 64 KiB chunks (its own budget unbounded, as
 * when no storage size is configured) and removes the spool at once, before any sample of the
 * runner's watch: the write error, or null, and what the spool held when it stopped.
 */
async function spoolAndRemove(bytes: number): Promise<{ code: string | null; spooled: number }> {
  const dir = await createSpoolDir(containerTmpDir());
  const chunks = Array.from({ length: Math.ceil(bytes / 65_536) }, (_, i) =>
    Buffer.alloc(Math.min(65_536, bytes - i * 65_536)),
  );
  const spool = createSpoolFile(join(dir, 'artifact.bin'), {
    budgetBytes: Number.POSITIVE_INFINITY,
    full: () => new Error('unreachable: unbounded'),
  });
  const code = await pipeline(Readable.from(chunks), spool).then(
    () => null,
    (err: unknown) => (err as NodeJS.ErrnoException).code ?? 'unknown',
  );
  const spooled = await directoryBytes(dir);
  await removeSpoolDir(dir);
  return { code, spooled };
}

describe('a /tmp write that does not fit fails at the write, as on Lambda (not at the next sample)', () => {
  it('fails the spool write over the storage with ENOSPC though the file is removed right after', async () => {
    const lambda = new LambdaLimits(containers);
    const result = (await invoke(lambda, () => spoolAndRemove(1_500_000))) as {
      code: string;
      spooled: number;
    };
    // Without the charge at the write this spool fits on the machine's disk, is gone before the
    // watch's next sample, and the invocation succeeds with { code: null }.
    expect(result.code).toBe('ENOSPC');
    expect(result.spooled).toBeLessThanOrEqual(MB);
    expect(lambda.functionReports[0]?.tmpBytesAfter).toBe(0);
  });

  it('counts what the container kept from a warm invocation and what another spool holds now', async () => {
    const lambda = new LambdaLimits(containers);
    await invoke(lambda, writer(600_000, true));
    const [container] = containers.containersOf('LandArtifact');
    await expect(invoke(lambda, () => spoolAndRemove(600_000))).resolves.toMatchObject({ code: 'ENOSPC' });
    await import('node:fs/promises').then(({ rm }) => rm(container!.dir, { recursive: true }));
    await import('node:fs/promises').then(({ mkdir }) => mkdir(container!.dir));
    // Two spools at once, each alone within the storage: the second write over it fails.
    const both = await invoke(lambda, () => Promise.all([spoolAndRemove(600_000), spoolAndRemove(600_000)]));
    // Which of the two interleaved writers hits the full disk first is a race (on Lambda too).
    expect((both as { code: string | null }[]).map((r) => r.code)).toContain('ENOSPC');
  });

  it('credits what the helpers remove: a handler may fill the storage again and again', async () => {
    const lambda = new LambdaLimits(containers);
    const results = await invoke(lambda, async () => [
      await spoolAndRemove(900_000),
      await spoolAndRemove(900_000),
      await spoolAndRemove(MB),
    ]);
    expect((results as { code: string | null }[]).map((r) => r.code)).toEqual([null, null, null]);
  });

  it('charges nothing outside an invocation (on Lambda the kernel does it)', async () => {
    await expect(spoolAndRemove(2 * MB)).resolves.toEqual({ code: null, spooled: 2 * MB });
  });
});

describe('limits from the synthesized template', () => {
  it("reads each function's Timeout, MemorySize and EphemeralStorage, with Lambda's defaults", () => {
    const fn = (id: string, props: Record<string, unknown>) => ({
      Type: 'AWS::Lambda::Function',
      Properties: props,
      Metadata: { 'aws:cdk:path': `Stack/Pipeline/Functions/${id}/Resource` },
    });
    const template: CfnTemplate = {
      Resources: {
        A: fn('LandArtifact', { Timeout: 900, MemorySize: 3538, EphemeralStorage: { Size: 10240 } }),
        B: fn('Bare', {}),
        C: { Type: 'AWS::S3::Bucket' },
      },
    };
    expect(templateFunctionLimits(template)).toEqual({
      LandArtifact: { timeoutSeconds: 900, memoryMb: 3538, ephemeralStorageMb: 10240 },
      Bare: { timeoutSeconds: 3, memoryMb: 128, ephemeralStorageMb: 512 },
    });
  });
});
