/**
 * Benchmark 5, cold start: bundles every Lambda entry of lib/pipeline-functions.ts with esbuild
 * exactly as the construct and the package build do (`functionBundleOptions` of lib/bundling.ts:
 * ESM, minified, node24, AWS SDK bundled, linked source map, code splitting), and reports what a
 * cold start loads (`index.mjs` and the chunks it imports statically) apart from the lazy chunks
 * (read only when a dynamic `import()` runs), and the module-load time (a fresh `node` process
 * `import()`ing the bundle, median of N) as ratios of a trivial handler bundled the same way and
 * loaded in alternation with each bundle. Run alone: `tsx bench/cold-start.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { BUNDLE_ENTRY_FILE, functionBundleOptions, lambdaNodeOptions } from '../lib/bundling.ts';
import { PipelineEnv, pipelineFunctions } from '../lib/pipeline-functions.ts';
import { REPO_ROOT, isMain, median, ratio, round, runAsScript, writeResult } from './common.ts';

const run = promisify(execFile);

/** `NODE_OPTIONS` of the construct's default environment (none: source maps are opt-in). */
const DEFAULT_NODE_OPTIONS = lambdaNodeOptions()['NODE_OPTIONS'] ?? '';
/** `NODE_OPTIONS` with the construct's `enableSourceMaps: true`. */
const SOURCE_MAPS_NODE_OPTIONS = lambdaNodeOptions(true)['NODE_OPTIONS'] ?? '';

export interface BundleFigures {
  readonly id: string;
  readonly entry: string;
  /** Bytes a cold start reads: `index.mjs` and the chunks it imports statically. */
  readonly bytes: number;
  /** Bytes of the chunks read only when a dynamic `import()` runs (e.g. the Arrow reader). */
  readonly lazyBytes?: number;
  /** The three packages contributing most bytes to the lazy chunks. */
  readonly lazyTopPackages?: readonly { readonly name: string; readonly kib: number }[];
  readonly loadMsMedian: number;
  /** The trivial bundle's median, loaded in alternation with this one (the load ratio's base). */
  readonly trivialLoadMsMedian?: number;
  /** `NODE_OPTIONS` of this function's loads when it has flags of its own (its spec's `nodeOptions`). */
  readonly nodeOptions?: string;
  /** Median load with the construct's `enableSourceMaps: true` (`--enable-source-maps`). */
  readonly sourceMapsLoadMsMedian?: number;
  /**
   * Median load of a module importing only the Node built-ins this bundle imports at load (its
   * static `node:` imports, e.g. https, crypto, stream): the part of the load that is Node's.
   */
  readonly builtinsLoadMsMedian?: number;
  /** Median time V8 takes to parse and compile what loads (`vm.SourceTextModule`, not run). */
  readonly compileMsMedian?: number;
  readonly sizeRatio: number | null;
  readonly loadRatio: number | null;
  /** The three packages (or `project` for our own code) contributing most bytes to what loads. */
  readonly topPackages: readonly { readonly name: string; readonly kib: number }[];
  /** KiB of what loads that are the AWS SDK (see {@link isAwsSdkPackage}). */
  readonly awsSdkKib?: number;
}

/** Targets of issue 16: bundle KiB per function (LandArtifact apart) and load time vs trivial. */
export const COLD_START_TARGETS = {
  maxBundleKib: 300,
  maxLandArtifactBundleKib: 450,
  maxLoadRatio: 8,
} as const;

/** The AWS SDK and the helpers only it uses (XML parsing, LRU caches). */
export function isAwsSdkPackage(name: string): boolean {
  return (
    /^@(aws-sdk|smithy|aws-crypto)\//.test(name) ||
    ['fast-xml-parser', 'strnum', 'mnemonist', 'obliterator', 'bowser'].includes(name)
  );
}

export interface ColdStartData {
  readonly repetitions: number;
  /** `NODE_OPTIONS` of the measured loads: the construct's default environment. */
  readonly nodeOptions: string;
  /** `NODE_OPTIONS` of the `sourceMapsLoadMsMedian` loads (the construct's `enableSourceMaps`). */
  readonly sourceMapsNodeOptions?: string;
  readonly trivial: { readonly bytes: number; readonly loadMsMedian: number };
  readonly bundles: readonly BundleFigures[];
  readonly targets?: typeof COLD_START_TARGETS;
  /** KiB of a bundle holding only an S3 client and one GetObject call, built the same way. */
  readonly s3ClientAloneKib?: number;
  readonly s3ClientAloneLoadRatio?: number | null;
  /** One function with the AWS SDK left to the runtime (not bundled), see {@link runtimeSdkVariant}. */
  readonly runtimeSdk?: RuntimeSdkFigures;
}

export interface RuntimeSdkFigures {
  readonly id: string;
  /** What a cold start reads of the bundle itself (the SDK comes from node_modules). */
  readonly kib: number;
  readonly loadMsMedian: number;
  readonly loadRatio: number | null;
}

/** Dummy values for every variable the handlers read, so a module-level config read succeeds. */
function handlerEnv(nodeOptions: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    NODE_OPTIONS: nodeOptions,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  for (const name of Object.values(PipelineEnv)) {
    env[name] = name.endsWith('_ARN') ? 'arn:aws:kms:us-east-1:123456789012:key/bench' : 'bench';
  }
  return env;
}

/** Milliseconds a fresh Node process (with `nodeOptions`) spends in `import()` of `file`. */
async function loadMs(file: string, nodeOptions = DEFAULT_NODE_OPTIONS): Promise<number> {
  const script =
    'const t = performance.now(); await import(process.argv[1]); ' +
    'process.stdout.write(String(performance.now() - t));';
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', script, pathToFileURL(file).href],
    { env: handlerEnv(nodeOptions) },
  );
  return Number(stdout);
}

/** Milliseconds a fresh Node process spends compiling (not running) the ES modules `files`. */
async function compileMs(files: readonly string[]): Promise<number> {
  const script =
    "import { readFileSync } from 'node:fs'; import vm from 'node:vm'; " +
    "const sources = JSON.parse(process.argv[1]).map((f) => readFileSync(f, 'utf8')); " +
    'const t = performance.now(); for (const source of sources) new vm.SourceTextModule(source); ' +
    'process.stdout.write(String(performance.now() - t));';
  const { stdout } = await run(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      '--input-type=module',
      '-e',
      script,
      JSON.stringify(files),
    ],
    { env: handlerEnv(DEFAULT_NODE_OPTIONS) },
  );
  return Number(stdout);
}

/**
 * Medians of `repetitions` loads of `file` and of the trivial bundle, taken in alternation, so
 * both see the same machine load (the machine is shared: a baseline measured minutes earlier
 * would turn load changes into ratio changes); with `extra`, also of `file` with source maps
 * and of a module importing only `extra.builtinsFile`'s built-ins, in the same rounds.
 */
async function pairedLoadMs(
  file: string,
  trivialFile: string,
  repetitions: number,
  extra?: {
    readonly builtinsFile: string;
    readonly eagerFiles: readonly string[];
    readonly nodeOptions: string;
    readonly sourceMapsNodeOptions: string;
  },
): Promise<{
  ms: number;
  trivialMs: number;
  sourceMapsMs?: number;
  builtinsMs?: number;
  compileMs?: number;
}> {
  const samples: number[] = [];
  const trivial: number[] = [];
  const sourceMaps: number[] = [];
  const builtins: number[] = [];
  const compiles: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    trivial.push(await loadMs(trivialFile));
    samples.push(await loadMs(file, extra?.nodeOptions));
    if (extra) {
      sourceMaps.push(await loadMs(file, extra.sourceMapsNodeOptions));
      builtins.push(await loadMs(extra.builtinsFile));
      compiles.push(await compileMs(extra.eagerFiles));
    }
  }
  const ms = round(median(samples), 1);
  const trivialMs = round(median(trivial), 1);
  if (!extra) return { ms, trivialMs };
  return {
    ms,
    trivialMs,
    sourceMapsMs: round(median(sourceMaps), 1),
    builtinsMs: round(median(builtins), 1),
    compileMs: round(median(compiles), 1),
  };
}

/** The Node built-ins (`node:…`) that `outputs` import statically, i.e. at load. */
export function staticBuiltins(metafile: Metafile, outputs: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const key of outputs) {
    for (const imported of metafile.outputs[key]!.imports) {
      if (imported.kind === 'import-statement' && imported.external && imported.path.startsWith('node:')) {
        names.add(imported.path);
      }
    }
  }
  return [...names].sort();
}

/** `node_modules/@scope/name/...` -> `@scope/name`; anything else is the project's own code. */
export function packageOf(inputPath: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(inputPath);
  return match?.[1] ?? 'project';
}

/** The outputs a cold start reads: the entry and, transitively, the chunks it imports statically. */
export function eagerOutputs(metafile: Metafile): Set<string> {
  const outputs = metafile.outputs;
  const entry = Object.keys(outputs).find((key) => outputs[key]!.entryPoint !== undefined);
  const eager = new Set<string>();
  const visit = (key: string): void => {
    if (eager.has(key)) return;
    eager.add(key);
    for (const imported of outputs[key]!.imports) {
      if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
    }
  };
  if (entry) visit(entry);
  return eager;
}

function topPackagesOf(metafile: Metafile, keys: readonly string[]): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const key of keys) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[key]!.inputs)) {
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return byPackage;
}

const top3 = (byPackage: Map<string, number>) =>
  [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, kib: round(bytes / 1024, 0) }));

/** Bundles `entry` (absolute) into `outdir`; returns the entry file and its eager and lazy figures. */
async function bundle(entry: string, outdir: string) {
  const result = await build({
    ...functionBundleOptions(REPO_ROOT, entry, outdir),
    entryPoints: { index: entry },
    // Entries written to a temp dir still resolve packages from the repository.
    nodePaths: [join(REPO_ROOT, 'node_modules')],
    logLevel: 'silent',
    metafile: true,
  });
  const metafile = result.metafile;
  const code = Object.keys(metafile.outputs).filter((key) => !key.endsWith('.map'));
  const eager = eagerOutputs(metafile);
  const lazy = code.filter((key) => !eager.has(key));
  const sum = (keys: Iterable<string>) => [...keys].reduce((n, key) => n + metafile.outputs[key]!.bytes, 0);
  const byPackage = topPackagesOf(metafile, [...eager]);
  const sdkBytes = [...byPackage.entries()]
    .filter(([name]) => isAwsSdkPackage(name))
    .reduce((total, [, bytes]) => total + bytes, 0);
  return {
    file: join(outdir, BUNDLE_ENTRY_FILE),
    bytes: sum(eager),
    topPackages: top3(byPackage),
    awsSdkKib: round(sdkBytes / 1024, 0),
    lazyBytes: sum(lazy),
    lazyTopPackages: top3(topPackagesOf(metafile, lazy)),
    builtins: staticBuiltins(metafile, eager),
    eagerFiles: [...eager].map((key) => resolve(REPO_ROOT, key)),
  };
}

export async function runColdStartBenchmark(options: { repetitions?: number } = {}) {
  const startedAt = performance.now();
  const repetitions = options.repetitions ?? 7;
  const out = mkdtempSync(join(tmpdir(), 'bench-cold-start-'));
  try {
    const trivialEntry = join(out, 'trivial.ts');
    writeFileSync(
      trivialEntry,
      'export const handler = async (): Promise<{ ok: boolean }> => ({ ok: true });\n',
    );
    const { file: trivialFile, bytes: trivialBytes } = await bundle(trivialEntry, join(out, 'trivial'));
    const trivialSamples: number[] = [];
    const bundles: BundleFigures[] = [];
    for (const spec of pipelineFunctions) {
      const { file, bytes, topPackages, awsSdkKib, lazyBytes, lazyTopPackages, builtins, eagerFiles } =
        await bundle(join(REPO_ROOT, spec.entry), join(out, spec.id));
      const builtinsFile = join(out, `${spec.id}-builtins.mjs`);
      writeFileSync(builtinsFile, builtins.map((name) => `import '${name}';\n`).join(''));
      // As the construct sets it (heap flags go through an exec wrapper, not NODE_OPTIONS).
      const nodeOptions = lambdaNodeOptions()['NODE_OPTIONS'] ?? '';
      const sourceMapsNodeOptions = lambdaNodeOptions(true)['NODE_OPTIONS'] ?? '';
      const loads = await pairedLoadMs(file, trivialFile, repetitions, {
        builtinsFile,
        eagerFiles,
        nodeOptions,
        sourceMapsNodeOptions,
      });
      const { ms: loadMsMedian, trivialMs } = loads;
      trivialSamples.push(trivialMs);
      const figures: BundleFigures = {
        id: spec.id,
        entry: spec.entry,
        bytes,
        loadMsMedian,
        trivialLoadMsMedian: trivialMs,
        ...(nodeOptions ? { nodeOptions } : {}),
        ...(loads.sourceMapsMs === undefined ? {} : { sourceMapsLoadMsMedian: loads.sourceMapsMs }),
        ...(loads.builtinsMs === undefined ? {} : { builtinsLoadMsMedian: loads.builtinsMs }),
        ...(loads.compileMs === undefined ? {} : { compileMsMedian: loads.compileMs }),
        sizeRatio: ratio(bytes, trivialBytes, 0),
        loadRatio: ratio(loadMsMedian, trivialMs, 1),
        topPackages,
        awsSdkKib,
        lazyBytes,
        lazyTopPackages,
      };
      bundles.push(figures);
      console.log(
        `[cold-start] ${spec.id}: ${round(bytes / 1024, 0)} KiB (+${round(lazyBytes / 1024, 0)} KiB lazy), ${loadMsMedian} ms (${figures.loadRatio}x; ` +
          `source maps ${loads.sourceMapsMs} ms, built-ins alone ${loads.builtinsMs} ms, ` +
          `compile alone ${loads.compileMs} ms, trivial ${trivialMs} ms)`,
      );
    }
    // The floor any S3-using function starts from: the S3 client alone, bundled the same way.
    const s3Entry = join(out, 's3-alone.ts');
    writeFileSync(
      s3Entry,
      "import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';\n" +
        'let client: S3Client | undefined;\n' +
        "export const handler = async () => (client ??= new S3Client({})).send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));\n",
    );
    const s3Alone = await bundle(s3Entry, join(out, 's3-alone'));
    const { ms: s3LoadMs, trivialMs: s3TrivialMs } = await pairedLoadMs(
      s3Alone.file,
      trivialFile,
      repetitions,
    );
    const runtimeSdk = await runtimeSdkVariant(trivialFile, repetitions);
    console.log(
      `[cold-start] ${runtimeSdk.id} with the runtime's SDK: ${runtimeSdk.kib} KiB, ${runtimeSdk.loadMsMedian} ms (${runtimeSdk.loadRatio}x)`,
    );
    const trivialMs = round(median(trivialSamples), 1);
    console.log(`[cold-start] trivial: ${trivialBytes} B, ${trivialMs} ms (median over the runs)`);
    console.log(`[cold-start] S3 client alone: ${round(s3Alone.bytes / 1024, 0)} KiB, ${s3LoadMs} ms`);
    const data: ColdStartData = {
      repetitions,
      nodeOptions: DEFAULT_NODE_OPTIONS,
      sourceMapsNodeOptions: SOURCE_MAPS_NODE_OPTIONS,
      trivial: { bytes: trivialBytes, loadMsMedian: trivialMs },
      bundles,
      targets: COLD_START_TARGETS,
      s3ClientAloneKib: round(s3Alone.bytes / 1024, 0),
      s3ClientAloneLoadRatio: ratio(s3LoadMs, s3TrivialMs, 1),
      runtimeSdk,
    };
    return writeResult('cold-start', startedAt, data);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The function measured with the runtime's AWS SDK. */
const RUNTIME_SDK_FUNCTION = 'RecordRun';

/**
 * `RUNTIME_SDK_FUNCTION` bundled with `@aws-sdk/*`, `@smithy/*` and `@aws-crypto/*` external, as
 * with the Lambda runtime's own SDK, and loaded from inside the repository so that Node reads the
 * SDK from node_modules at import (as the runtime reads its own): a smaller bundle, not a faster
 * load.
 */
async function runtimeSdkVariant(trivialFile: string, repetitions: number): Promise<RuntimeSdkFigures> {
  const spec = pipelineFunctions.find((f) => f.id === RUNTIME_SDK_FUNCTION)!;
  const outdir = join(REPO_ROOT, 'bench', 'results', 'tmp', 'cold-start-runtime-sdk');
  rmSync(outdir, { recursive: true, force: true });
  try {
    const result = await build({
      ...functionBundleOptions(REPO_ROOT, spec.entry, outdir),
      external: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*'],
      logLevel: 'silent',
      metafile: true,
    });
    const bytes = [...eagerOutputs(result.metafile)].reduce(
      (n, key) => n + result.metafile.outputs[key]!.bytes,
      0,
    );
    const file = join(outdir, BUNDLE_ENTRY_FILE);
    const { ms, trivialMs } = await pairedLoadMs(file, trivialFile, repetitions);
    return { id: spec.id, kib: round(bytes / 1024, 0), loadMsMedian: ms, loadRatio: ratio(ms, trivialMs, 1) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) runAsScript(() => runColdStartBenchmark());
