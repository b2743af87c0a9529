import { describe, expect, it } from 'vitest';
import {
  LAMBDA_DEFAULT_LIMITS,
  LAMBDA_PAYLOAD_LIMIT_BYTES,
  LambdaLimits,
  templateFunctionLimits,
} from '../../../src/local/lambda-limits.ts';
import { TmpContainers } from '../../../src/local/lambda-tmp.ts';
import { defaultLocalTemplate } from '../../../src/local/environment.ts';
import { LocalPipelineRunner, type LocalHandler } from '../../../src/local/runner.ts';

const seed = { bucket: 'seeds', key: 'seeds/demo/a.csv', size: 10, etag: 'e', versionId: null };

/** Handlers for every task of the ingest machine: the upload waits until released. */
function blockingWorld() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const calls: string[] = [];
  const record: LocalHandler = (event) => {
    calls.push('RecordRun');
    const failed = (event as { outcome?: string }).outcome === 'failed';
    return Promise.resolve({
      status: failed ? 'FAILED' : 'SUCCEEDED',
      error: failed ? 'UploadFailed' : null,
      cause: failed ? 'upload failed' : null,
    });
  };
  const handlerOverrides: Record<string, LocalHandler> = {
    UploadSeed: async () => {
      calls.push('UploadSeed');
      await gate;
      throw Object.assign(new Error('stop here'), { name: 'UploadFailed' });
    },
    RecordRun: record,
  };
  return { handlerOverrides, calls, release: () => release() };
}

describe('StartExecution as Step Functions answers it', () => {
  it('returns the running execution for the same name and input, and ExecutionAlreadyExists otherwise', async () => {
    const world = blockingWorld();
    const runner = new LocalPipelineRunner({ handlerOverrides: world.handlerOverrides });
    const input = { feed: 'demo', seed };
    const first = runner.startExecution('ingest', 'run-1', input);
    expect(runner.startExecution('ingest', 'run-1', input)).toEqual(first);
    expect(() => runner.startExecution('ingest', 'run-1', { ...input, feed: 'other' })).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
    world.release();
    const done = await runner.startedExecution('run-1');
    expect(done?.status).toBe('FAILED');
    expect(world.calls.filter((c) => c === 'UploadSeed')).toHaveLength(1);
    // Finished: the same name and input is no longer idempotent.
    expect(() => runner.startExecution('ingest', 'run-1', input)).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
  });

  it("answers start-ingest's SDK adapter: running + same input is `started` again, finished is `duplicate`", async () => {
    const world = blockingWorld();
    const runner = new LocalPipelineRunner({ handlerOverrides: world.handlerOverrides });
    const input = { feed: 'demo', seed: { ...seed, eventTime: '2026-01-01T00:00:00Z' } };
    const first = await runner.startIngestExecution({ name: 'run-2', input });
    const again = await runner.startIngestExecution({ name: 'run-2', input });
    expect(again).toEqual(first);
    expect(first.status).toBe('started');
    world.release();
    await runner.startedExecution('run-2');
    expect(await runner.startIngestExecution({ name: 'run-2', input })).toEqual({
      status: 'duplicate',
    });
  });

  it('refuses an 81-character execution name with InvalidName, starting nothing', async () => {
    const world = blockingWorld();
    const runner = new LocalPipelineRunner({ handlerOverrides: world.handlerOverrides });
    expect(() => runner.startExecution('ingest', 'x'.repeat(81), {})).toThrow(
      expect.objectContaining({ name: 'InvalidName' }),
    );
    await expect(runner.execute('ingest', {}, `run ${'y'.repeat(10)}`)).rejects.toMatchObject({
      name: 'InvalidName',
    });
    expect(world.calls).toEqual([]);
  });

  it('refuses a Map concurrency over 40, as the construct does', async () => {
    const runner = new LocalPipelineRunner({ mapMaxConcurrency: 41 });
    await expect(runner.loadDefinition('ingest')).rejects.toThrow(/outside 1\.\.40/);
  });
});

describe('vendor waits', () => {
  /** The real milliseconds between the first and the second UploadSeed (a 1 s vendor wait between). */
  async function gapAroundVendorWait(realVendorWaits: boolean): Promise<number> {
    const world = blockingWorld();
    const at: number[] = [];
    const runner = new LocalPipelineRunner({
      realVendorWaits,
      handlerOverrides: {
        ...world.handlerOverrides,
        UploadSeed: () => {
          at.push(Date.now());
          if (at.length === 1) {
            return Promise.resolve({
              vendorWait: { seconds: 1, reason: 'paced', operation: 'createDataset' },
            });
          }
          return Promise.reject(Object.assign(new Error('stop here'), { name: 'UploadFailed' }));
        },
      },
    });
    const run = await runner.execute('ingest', { feed: 'demo', seed }, `run-wait-${realVendorWaits}`);
    expect(run.status).toBe('FAILED');
    expect(at).toHaveLength(2);
    return (at[1] as number) - (at[0] as number);
  }

  it('sleeps a vendor wait in real time with realVendorWaits, shortened otherwise', async () => {
    expect(await gapAroundVendorWait(true)).toBeGreaterThanOrEqual(950);
    expect(await gapAroundVendorWait(false)).toBeLessThan(900);
  });
});

describe('Lambda limits', () => {
  it("abandons an invocation at the function's timeout with Lambda.Unknown, retried as the ASL says", async () => {
    const world = blockingWorld();
    const runner = new LocalPipelineRunner({
      handlerOverrides: world.handlerOverrides,
      lambdaLimits: { UploadSeed: { timeoutSeconds: 0.05 } },
    });
    const run = await runner.execute('ingest', { feed: 'demo', seed }, 'run-timeout');
    world.release();
    expect(run.status).toBe('FAILED');
    expect(run.taskInvocations['UploadSeed']).toBe(3);
    const failed = run.events.find((e) => e.type === 'StateFailed') as { Error?: string; Cause?: string };
    expect(failed.Error).toBe('Lambda.Unknown');
    expect(failed.Cause).toMatch(/Task timed out after 0\.05 seconds/);
    const upload = run.functions.find((f) => f.functionId === 'UploadSeed');
    expect(upload).toMatchObject({ invocations: 3, timeoutSeconds: 0.05, memoryMb: 512 });
    expect(upload?.peakRssMb).toBeGreaterThan(0);
  });

  it("takes each function's limits from the synthesized template, not from lib/pipeline-functions.ts", async () => {
    const world = blockingWorld();
    const template = templateFunctionLimits(defaultLocalTemplate());
    expect(template['LandArtifact']).toEqual({
      timeoutSeconds: 900,
      memoryMb: 3538,
      ephemeralStorageMb: 10240,
    });
    // A template whose UploadSeed differs from its spec (900 s, 512 MB): the runner follows the template.
    const runner = new LocalPipelineRunner({
      handlerOverrides: world.handlerOverrides,
      functionLimits: {
        ...template,
        UploadSeed: { timeoutSeconds: 0.05, memoryMb: 1024, ephemeralStorageMb: 2048 },
      },
    });
    const run = await runner.execute('ingest', { feed: 'demo', seed }, 'run-template-limits');
    world.release();
    expect(run.status).toBe('FAILED');
    expect(run.functions.find((f) => f.functionId === 'UploadSeed')).toMatchObject({
      timeoutSeconds: 0.05,
      memoryMb: 1024,
      ephemeralStorageMb: 2048,
    });
    runner.dispose();
  });

  it('refuses request and response payloads over 6 MB', async () => {
    const containers = new TmpContainers();
    const limits = new LambdaLimits(containers);
    const big = 'z'.repeat(LAMBDA_PAYLOAD_LIMIT_BYTES);
    await expect(
      limits.invoke('F', LAMBDA_DEFAULT_LIMITS, big, () => Promise.resolve(null)),
    ).rejects.toMatchObject({ name: 'Lambda.RequestEntityTooLargeException' });
    await expect(
      limits.invoke('F', LAMBDA_DEFAULT_LIMITS, {}, () => Promise.resolve(big)),
    ).rejects.toMatchObject({
      name: 'Function.ResponseSizeTooLarge',
    });
    containers.dispose();
  });
});
