/**
 * `npm run build`: the npm package in `dist/`. Compiles the construct (`lib/index.ts` and what it
 * imports) to ESM JavaScript and `.d.ts` with TypeScript, keeps only the files its entry reaches,
 * copies the state machine definitions, and bundles every Lambda handler with esbuild into
 * `dist/assets/<entry>/` (`index.mjs` and its lazily loaded `chunks/`), which the construct deploys with `Code.fromAsset`. A consumer
 * then needs no esbuild, Docker or lock file to synthesize.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../lib/asl-definition.ts';
import { BUNDLE_ENTRY_FILE, functionBundleOptions } from '../lib/bundling.ts';
import { prebuiltAssetDir } from '../lib/function-factory.ts';
import { installExecWrapper } from '../lib/lambda-runtime.ts';
import { pipelineFunctions } from '../lib/pipeline-functions.ts';
import {
  emittedModules,
  FUNCTION_ENTRIES,
  reachableModules,
  rewriteDeclarationImports,
} from './package-files.ts';

const DIST = path.join(PROJECT_ROOT, 'dist');

function compile(): void {
  const tsc = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc');
  execFileSync(tsc, ['-p', path.join(PROJECT_ROOT, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });
  rewriteDeclarationImports(DIST);
  const entry = path.join(DIST, 'lib', 'index');
  const keep = new Set([...reachableModules(`${entry}.js`), ...reachableModules(`${entry}.d.ts`)]);
  for (const file of emittedModules(DIST)) {
    if (!keep.has(file)) rmSync(file);
  }
}

async function bundleFunctions(): Promise<void> {
  for (const entry of FUNCTION_ENTRIES) {
    const assetDir = prebuiltAssetDir(entry, DIST);
    await build(functionBundleOptions(PROJECT_ROOT, entry, assetDir));
    const spec = pipelineFunctions.find((s) => s.entry === entry);
    if (spec?.maxSemiSpaceMb !== undefined) installExecWrapper(PROJECT_ROOT, assetDir);
  }
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  compile();
  cpSync(path.join(PROJECT_ROOT, 'statemachines'), path.join(DIST, 'statemachines'), {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || source.endsWith('.json'),
  });
  await bundleFunctions();
  const missing = FUNCTION_ENTRIES.filter(
    (entry) => !existsSync(path.join(prebuiltAssetDir(entry, DIST), BUNDLE_ENTRY_FILE)),
  );
  if (missing.length > 0) throw new Error(`build: no bundle for ${missing.join(', ')}`);
  const version = (
    JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }
  ).version;
  console.error(
    `build: dist/ for simulacra-pipeline ${version} (${FUNCTION_ENTRIES.length} function bundles)`,
  );
}

await main();
