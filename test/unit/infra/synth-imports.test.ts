/**
 * Synthesizing the construct loads no runtime code of the pipeline: no AWS SDK client, no
 * Powertools, no zod, no Lambda handler module, no tool. A child process synthesizes the demo stack
 * with a module-load hook recording every module it loads (ESM through the hook, CommonJS
 * through the require cache).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Modules a synth must not load, with the reason each would be wrong. */
export const FORBIDDEN_AT_SYNTH: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /node_modules\/@aws-sdk\//, what: 'an AWS SDK package' },
  { pattern: /node_modules\/@aws-lambda-powertools\//, what: 'Powertools' },
  { pattern: /node_modules\/zod\//, what: 'zod (runtime validation)' },
  { pattern: new RegExp(`^${ROOT}/lambdas/`), what: 'a Lambda handler module' },
  { pattern: new RegExp(`^${ROOT}/(src/cli|src/local|simulator|bench)/`), what: 'a tool' },
];

/** The modules in `loaded` that a synth must not load, each with why. */
export function forbiddenAtSynth(loaded: readonly string[]): string[] {
  return loaded.flatMap((file) =>
    FORBIDDEN_AT_SYNTH.filter(({ pattern }) => pattern.test(file)).map(({ what }) => `${what}: ${file}`),
  );
}

let dir = '';
let loaded: string[] = [];

beforeAll(() => {
  // Inside the repository, so the script resolves aws-cdk-lib from its node_modules.
  mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, '.cache', 'synth-imports-'));
  const log = path.join(dir, 'loaded.txt');
  writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(log, url + '\\n');
  return next(url, context);
}
`,
  );
  writeFileSync(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)}, { data: { log: ${JSON.stringify(log)} } });
`,
  );
  const script = path.join(dir, 'synth.ts');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { SimulacraDemoStack } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'lib/index.ts')).href)};
const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
new SimulacraDemoStack(app, 'SynthImports', { env: { account: '123456789012', region: 'us-east-1' } });
app.synth();
const cache = createRequire(import.meta.url).cache;
appendFileSync(${JSON.stringify(log)}, Object.keys(cache).map((file) => 'cjs:' + file).join('\\n') + '\\n');
`,
  );
  writeFileSync(log, '');
  execFileSync(process.execPath, ['--import', 'tsx', '--import', path.join(dir, 'register.mjs'), script], {
    cwd: ROOT,
    stdio: 'pipe',
  });
  loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((entry) => (entry.startsWith('cjs:') ? entry.slice(4) : fileURLToPath(entry)));
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('synthesizing the construct', () => {
  it('records what it loads (the construct and aws-cdk-lib)', () => {
    expect(loaded.some((file) => file.endsWith('/lib/simulacra-pipeline.ts'))).toBe(true);
    expect(loaded.some((file) => file.includes('/node_modules/aws-cdk-lib/'))).toBe(true);
  });

  it('loads no SDK client, Powertools, zod, handler or tool', () => {
    expect(forbiddenAtSynth(loaded)).toEqual([]);
  });

  it('the check names what it finds', () => {
    expect(
      forbiddenAtSynth([
        `${ROOT}/node_modules/@aws-sdk/client-eventbridge/dist-cjs/index.js`,
        `${ROOT}/lambdas/record-run.ts`,
        `${ROOT}/node_modules/aws-cdk-lib/index.js`,
      ]),
    ).toEqual([
      `an AWS SDK package: ${ROOT}/node_modules/@aws-sdk/client-eventbridge/dist-cjs/index.js`,
      `a Lambda handler module: ${ROOT}/lambdas/record-run.ts`,
    ]);
  });
});
