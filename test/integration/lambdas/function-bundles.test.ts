/**
 * The deployed code, not the TypeScript source: every pipeline function is bundled exactly as the
 * construct and the package build bundle it (`functionBundleOptions`: minified, code splitting,
 * zod/mini, the Lambda credential alias), and a whole ingest run (managed mode, moto, simulator)
 * calls every Task's handler from its built `index.mjs`. The scenarios land CSV, Parquet and
 * Arrow, so LandArtifact reads its lazily loaded chunks (hyparquet, apache-arrow) as on Lambda,
 * and its stream scan starts its worker thread from the bundle. The bundles' SDK calls are judged
 * against each function's role like the source's. Every other chunk must at least load on its own.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_CHUNK_DIR, BUNDLE_ENTRY_FILE, functionBundleOptions } from '../../../lib/bundling.ts';
import { pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { fakeContext, objectCreatedEvent } from '../../../src/local/lambda-events.ts';
import type { LocalHandler } from '../../../src/local/runner-types.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'function-bundles-'));
const bundleDirs: Record<string, string> = {};
for (const spec of pipelineFunctions) {
  const dir = join(out, spec.id);
  await build(functionBundleOptions(REPO_ROOT, spec.entry, dir));
  bundleDirs[spec.id] = dir;
}

// A bundle has its own copy of lambdas/commons/container.ts, outside the runner's per-container
// /tmp: its /tmp is os.tmpdir(), which LandArtifact measures against its ephemeral storage. As on
// Lambda, that /tmp holds only this run's files, not the machine's.
const lambdaTmp = join(out, 'tmp');
mkdirSync(lambdaTmp);
const machineTmp = process.env['TMPDIR'];
process.env['TMPDIR'] = lambdaTmp;
afterAll(() => {
  if (machineTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = machineTmp;
  rmSync(out, { recursive: true, force: true });
});

const calls: Record<string, number> = {};
/** Each Task's handler, imported from the function's bundle on its first invocation. */
const fromBundles: Record<string, LocalHandler> = Object.fromEntries(
  pipelineFunctions.map((spec) => [
    spec.id,
    async (event: unknown, context: Parameters<LocalHandler>[1]) => {
      calls[spec.id] = (calls[spec.id] ?? 0) + 1;
      const url = pathToFileURL(join(bundleDirs[spec.id]!, BUNDLE_ENTRY_FILE)).href;
      const bundle = (await import(url)) as { handler: LocalHandler };
      return bundle.handler(event, context);
    },
  ]),
);

const h = usePipelineHarness({ runner: { handlerOverrides: fromBundles } });

/** Calls the bundled handler of `id` directly, with a Lambda context. */
function invoke(id: string, event: unknown): Promise<unknown> {
  const spec = pipelineFunctions.find((f) => f.id === id)!;
  const limits = {
    timeoutSeconds: spec.timeoutSeconds,
    memoryMb: spec.memoryMb,
    ephemeralStorageMb: spec.ephemeralStorageMb ?? 512,
  };
  return fromBundles[id]!(event, fakeContext(spec, limits, 'us-east-1', '000000000000'));
}

describe('the built function bundles', () => {
  it('run a whole ingest (CSV, Parquet and Arrow scenarios) from their index.mjs', async () => {
    await h.putScenarios('bundled', {
      scenarios: [
        { name: 'as-csv', row_count: 60, output_format: 'csv' },
        { name: 'as-parquet', row_count: 60, output_format: 'parquet' },
        { name: 'as-arrow', row_count: 60, output_format: 'arrow' },
      ],
    });
    const drop = await h.putSeed('bundled', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const run = await h.repo.getRun(execution!.name);
    expect(run?.outputs?.map((o) => [o.scenario, (o.rowsGenerated ?? 0) > 0]).sort()).toEqual([
      ['as-arrow', true],
      ['as-csv', true],
      ['as-parquet', true],
    ]);
    for (const output of run!.outputs!) {
      expect(await h.outputKeys(output.outputKey)).toEqual([output.outputKey]);
      const manifest = await h.readManifest(output.manifestKey);
      expect(manifest.rowsGenerated).toBe(output.rowsGenerated);
    }
    // Every Task ran from its bundle (StartIngest needs the runner's Step Functions: see below).
    const tasks = pipelineFunctions.filter((f) => f.aslPlaceholder && f.id !== 'PrepareFeed');
    expect(tasks.filter((f) => !calls[f.id]).map((f) => f.id)).toEqual([]);
    // The bundles' own SDK clients were judged against their roles too (none denied, or the run
    // would have failed): each Task made judged calls, landing included.
    const judged = new Set(h.environment.iam?.calls().map((c) => c.functionId));
    expect(tasks.filter((f) => !judged.has(f.id)).map((f) => f.id)).toEqual([]);
    expect(
      h.environment.iam?.calls().some((c) => c.functionId === 'LandArtifact' && c.action === 's3:PutObject'),
    ).toBe(true);
    expect(h.environment.iam?.denied()).toEqual([]);

    // PrepareFeed (scheduled runs) from its bundle: the feed's live dataset is reused.
    const prepared = (await invoke('PrepareFeed', { runId: 'bundle-prepare', feed: 'bundled' })) as {
      dataset: { datasetId: string; reused: boolean };
    };
    expect(prepared.dataset).toMatchObject({ datasetId: run?.datasetId, reused: true });
  }, 120_000);

  it('StartIngest from its bundle records a seed that vanished before it was read as rejected', async () => {
    const drop = {
      bucket: h.names.seedBucket,
      key: 'seeds/bundled/gone.csv',
      size: 10,
      etag: null,
      versionId: null,
    };
    const outcome = (await invoke('StartIngest', objectCreatedEvent(drop))) as {
      outcome: string;
      runId: string;
    };
    expect(outcome).toMatchObject({ outcome: 'rejected', code: 'object_missing' });
    expect(await h.repo.getRun(outcome.runId)).toMatchObject({ status: 'REJECTED' });
  });

  it('puts the Arrow and Parquet readers in LandArtifact chunks that load on their own', async () => {
    const chunkDir = join(bundleDirs['LandArtifact']!, BUNDLE_CHUNK_DIR);
    const chunks = readdirSync(chunkDir).filter((f) => f.endsWith('.mjs'));
    expect(chunks.some((f) => f.startsWith('arrow-inspect-'))).toBe(true);
    expect(chunks.some((f) => f.startsWith('parquet-inspect-'))).toBe(true);
    for (const [id, dir] of Object.entries(bundleDirs)) {
      for (const chunk of readdirSync(join(dir, BUNDLE_CHUNK_DIR)).filter((f) => f.endsWith('.mjs'))) {
        await expect(
          import(pathToFileURL(join(dir, BUNDLE_CHUNK_DIR, chunk)).href),
          `${id}/${chunk}`,
        ).resolves.toBeTypeOf('object');
      }
    }
  });
});
