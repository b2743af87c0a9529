/**
 * LandArtifact spools Parquet and Arrow to `/tmp`, which Lambda bounds by the function's ephemeral
 * storage: an artifact that cannot fit is refused before a byte is spooled (its size known) or
 * fails as a full disk while it spools (size unknown), naming the setting and the size; nothing
 * lands and the spool is removed. A fitting one lands and leaves `/tmp` empty. The seed the
 * quality report reads is bounded the same way. A landing stopped mid-stream (its invocation timed
 * out; the Retry runs in the same warm sandbox) removes its spool, so the retry has the whole of
 * `/tmp`. Every AWS call is made, and judged, as LandArtifact.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EphemeralStorageError } from '../../../src/landing/errors.ts';
import { landArtifact, type LandArtifactInput } from '../../../src/landing/land.ts';
import { spoolSeed } from '../../../src/quality/seed-source.ts';
import { generation, parquetBytes } from '../../unit/landing/fixtures.ts';
import {
  httpVendorApi,
  startLandingEnvironment,
  type LandingEnvironment,
} from '../../support/landing-harness.ts';

let env: LandingEnvironment;
let tmp: string;
beforeAll(async () => {
  env = await startLandingEnvironment();
});
afterAll(async () => {
  await env?.stop();
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const ROWS = 2_000;
const artifact = parquetBytes(ROWS);
let counter = 0;

function fresh(rows = ROWS) {
  counter += 1;
  tmp = mkdtempSync(join(tmpdir(), 'landing-tmp-'));
  const generationId = `gen_tmp${counter}`;
  const input: LandArtifactInput = {
    runId: `run_tmp${counter}`,
    feed: 'retail-panel',
    scenario: { name: `tmp${counter}`, row_count: rows, output_format: 'parquet' },
    datasetId: 'ds_tmp',
    generationId,
  };
  const base = (url: string) =>
    generation({
      generation_id: generationId,
      dataset_id: 'ds_tmp',
      output_format: 'parquet',
      rows_requested: rows,
      rows_generated: rows,
      artifact_url: url,
    });
  return { input, base, prefix: `synthetic/feed=retail-panel/scenario=tmp${counter}/` };
}

/** The artifact in chunks, without a Content-Length (the size is unknown until it ends). */
function chunked(bytes: Buffer) {
  return async function* () {
    for (let offset = 0; offset < bytes.byteLength; offset += 4096) {
      yield bytes.subarray(offset, offset + 4096);
      await Promise.resolve();
    }
  };
}

async function expectNothingLanded(prefix: string, input: LandArtifactInput): Promise<void> {
  expect(await env.listKeys(prefix)).toEqual([]);
  expect(await env.listKeys(`_manifests/feed=retail-panel/scenario=${input.scenario.name}/`)).toEqual([]);
  expect(await env.openUploads()).toBe(0);
  expect(readdirSync(tmp, { recursive: true })).toEqual([]);
}

describe("LandArtifact's /tmp bounded by its ephemeral storage", () => {
  it('refuses an artifact of known size that cannot fit, before spooling, naming the setting and the size', async () => {
    const { input, base, prefix } = fresh();
    const url = env.server.register(artifact);
    const storage = artifact.byteLength - 1;
    const landing = landArtifact(
      env.deps(
        httpVendorApi(() => base(url)),
        { tmpDir: tmp, ephemeralStorageBytes: storage },
      ),
      input,
    );
    await expect(landing).rejects.toBeInstanceOf(EphemeralStorageError);
    await expect(landing).rejects.toThrow(
      new RegExp(
        `the artifact \\(${artifact.byteLength} bytes.*does not fit in /tmp.*${storage} bytes free.*functionOverrides\\.LandArtifact\\.ephemeralStorageSize`,
      ),
    );
    await expect(landing).rejects.toMatchObject({ code: 'ENOSPC', neededBytes: artifact.byteLength });
    await expectNothingLanded(prefix, input);
  });

  it('counts what /tmp already holds: an artifact that fits alone is refused on top of it', async () => {
    const { input, base, prefix } = fresh();
    const url = env.server.register(artifact);
    writeFileSync(join(tmp, 'left-behind'), Buffer.alloc(1_000));
    const storage = artifact.byteLength + 500;
    await expect(
      landArtifact(
        env.deps(
          httpVendorApi(() => base(url)),
          { tmpDir: tmp, ephemeralStorageBytes: storage },
        ),
        input,
      ),
    ).rejects.toMatchObject({ name: 'EphemeralStorageError', freeBytes: storage - 1_000 });
    rmSync(join(tmp, 'left-behind'));
    await expectNothingLanded(prefix, input);
  });

  it('fails as a full disk when a spool of unknown size outgrows /tmp; nothing lands, the spool is removed', async () => {
    const { input, base, prefix } = fresh();
    const url = env.server.register(chunked(artifact));
    const storage = Math.floor(artifact.byteLength / 2);
    const landing = landArtifact(
      env.deps(
        httpVendorApi(() => base(url)),
        { tmpDir: tmp, ephemeralStorageBytes: storage },
      ),
      input,
    );
    await expect(landing).rejects.toMatchObject({ name: 'EphemeralStorageError', code: 'ENOSPC' });
    await expect(landing).rejects.toThrow(/the spooled artifact \(\d+ bytes.*ephemeralStorageSize/);
    await expectNothingLanded(prefix, input);
  });

  it('lands an artifact that fits and leaves /tmp empty, its calls judged as LandArtifact', async () => {
    const { input, base, prefix } = fresh();
    const url = env.server.register(chunked(artifact));
    const before = env.iam.calls().length;
    const result = await landArtifact(
      env.deps(
        httpVendorApi(() => base(url)),
        { tmpDir: tmp, ephemeralStorageBytes: artifact.byteLength },
      ),
      input,
    );
    expect(result).toMatchObject({ rowsGenerated: ROWS, bytes: artifact.byteLength, format: 'parquet' });
    expect(await env.listKeys(prefix)).toEqual([result.outputKey]);
    expect(readdirSync(tmp)).toEqual([]);
    const judged = env.iam.calls().slice(before);
    expect(new Set(judged.map((call) => call.functionId))).toEqual(new Set(['LandArtifact']));
    expect(judged.map((call) => call.action)).toEqual(
      expect.arrayContaining(['s3:ListBucketMultipartUploads', 's3:PutObject', 'kms:GenerateDataKey']),
    );
    expect(env.iam.denied()).toEqual([]);
  });

  it('refuses a quality-report seed that cannot fit in /tmp, naming the setting and the way out', async () => {
    fresh();
    const key = 'seeds/retail-panel/big-seed.csv';
    const body = Buffer.from(`a,b\n${'1,2\n'.repeat(2_000)}`);
    const put = await env.s3.send(new PutObjectCommand({ Bucket: env.seedBucket, Key: key, Body: body }));
    const seed = { bucket: env.seedBucket, key, versionId: put.VersionId ?? null };
    const bound = { baseDir: tmp, generationId: 'gen_seed', storageBytes: body.byteLength - 1 };
    const spooled = spoolSeed(env.as('LandArtifact').s3, seed, tmp, bound);
    await expect(spooled).rejects.toBeInstanceOf(EphemeralStorageError);
    await expect(spooled).rejects.toThrow(
      new RegExp(
        `the seed for the quality report \\(${body.byteLength} bytes.*ephemeralStorageSize.*quality report off`,
      ),
    );
    expect(readdirSync(tmp)).toEqual([]);
    // With room for it, the same seed version is spooled.
    const path = await spoolSeed(env.as('LandArtifact').s3, seed, tmp, {
      ...bound,
      storageBytes: body.byteLength,
    });
    expect(readdirSync(tmp)).toEqual([basename(path)]);
  });
});

/**
 * The artifact in chunks without a Content-Length; once half of it is sent, `onHalf` runs (the
 * invocation times out) and the rest trickles on, as a slow download would.
 */
function stoppedHalfway(bytes: Buffer, onHalf: () => void) {
  const half = Math.floor(bytes.byteLength / 2);
  return async function* () {
    let stopped = false;
    for (let offset = 0; offset < bytes.byteLength; offset += 4096) {
      if (offset >= half && !stopped) {
        stopped = true;
        onHalf();
      }
      yield bytes.subarray(offset, offset + 4096);
      await sleep(stopped ? 5 : 0);
    }
  };
}

describe('a landing stopped by its invocation timing out (deps.signal)', () => {
  it('stops mid-stream: nothing visible, the upload aborted, the spool removed; the retry has all of /tmp', async () => {
    const { input, base, prefix } = fresh();
    const controller = new AbortController();
    let spoolSeen = false;
    const url = env.server.register(
      stoppedHalfway(artifact, () => {
        // The spool holds what has streamed so far when the invocation gives up.
        spoolSeen = readdirSync(tmp).some((name) => name.startsWith('landing-'));
        controller.abort(new Error('the invocation timed out'));
      }),
    );
    const before = env.iam.calls().length;
    const landing = landArtifact(
      env.deps(
        httpVendorApi(() => base(url)),
        // Small parts, so some are uploaded before the stop.
        {
          tmpDir: tmp,
          ephemeralStorageBytes: artifact.byteLength,
          partBytes: 8192,
          signal: controller.signal,
        },
      ),
      input,
    );
    await expect(landing).rejects.toThrow();
    expect(spoolSeen).toBe(true);
    const actions = env.iam
      .calls()
      .slice(before)
      .map((call) => call.action);
    expect(actions).toContain('s3:PutObject');
    expect(actions).toContain('s3:AbortMultipartUpload');
    await expectNothingLanded(prefix, input);

    // The retry, in the same process and /tmp, has the whole storage: the artifact exactly fits.
    const retryUrl = env.server.register(artifact);
    const result = await landArtifact(
      env.deps(
        httpVendorApi(() => base(retryUrl)),
        { tmpDir: tmp, ephemeralStorageBytes: artifact.byteLength },
      ),
      input,
    );
    expect(result).toMatchObject({ rowsGenerated: ROWS, bytes: artifact.byteLength, alreadyLanded: false });
    expect(await env.listKeys(prefix)).toEqual([result.outputKey]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(env.iam.denied()).toEqual([]);
  });

  it('does not start when already stopped: no vendor call, no upload', async () => {
    const { input, base, prefix } = fresh();
    let calls = 0;
    const url = env.server.register(artifact);
    const controller = new AbortController();
    controller.abort(new Error('the invocation timed out'));
    const api = httpVendorApi(() => {
      calls += 1;
      return base(url);
    });
    await expect(
      landArtifact(env.deps(api, { tmpDir: tmp, signal: controller.signal }), input),
    ).rejects.toThrow('the invocation timed out');
    expect(calls).toBe(0);
    await expectNothingLanded(prefix, input);
  });
});
