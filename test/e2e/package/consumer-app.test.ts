/**
 * The construct as another team installs it: `npm pack`, then a fresh CDK app outside the
 * repository (strict TypeScript, `cdk init app` layout) with only aws-cdk-lib, constructs, cdk-nag
 * and the tarball installed, no esbuild and no Docker. It type-checks, synthesizes the construct
 * with no props and with a full set, and cdk-nag finds nothing. The tarball holds the compiled
 * construct, its declarations, the state machine definitions and one prebuilt bundle per function
 * (LandArtifact's with its exec wrapper, which must reach the consumer's asset still executable:
 * Lambda refuses an `AWS_LAMBDA_EXEC_WRAPPER` without the exec bit), and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXEC_WRAPPER_FILE } from '../../../lib/lambda-runtime.ts';
import { FUNCTION_ENTRIES, reachableModules } from '../../../scripts/package-files.ts';
import { FINDINGS_MARKER, writeConsumerApp } from '../../support/consumer-app.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
/** Budgets of the packed and unpacked package (10 minified function bundles with source maps). */
const MAX_PACKED_BYTES = 6 * 1024 * 1024;
const MAX_UNPACKED_BYTES = 24 * 1024 * 1024;
const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

function directoryBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly { readonly path: string }[];
}

const versionOf = (name: string): string =>
  (
    JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

let work = '';
let app = '';
let pack: PackResult;
/** What the app printed when it failed ('' when it synthesized). */
let synthFailure = '';

/** Runs a command; a failure throws with what it printed. */
function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: err,
    });
  }
}

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'simulacra-consumer-'));
  // `npm pack` runs the package build (prepack) as a publish would.
  const packed = run('npm', ['pack', '--json', '--pack-destination', work], ROOT);
  pack = (JSON.parse(packed.slice(packed.indexOf('['))) as PackResult[])[0]!;
  app = path.join(work, 'consumer-app');
  writeConsumerApp(app, {
    awsCdkLib: versionOf('aws-cdk-lib'),
    constructs: versionOf('constructs'),
    cdkNag: versionOf('cdk-nag'),
  });
  // The local npm cache holds these versions (the repository installed them): no registry trip.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, pack.filename)], app);
  run(path.join(BIN, 'tsc'), ['-p', 'tsconfig.json'], app);
  try {
    run(path.join(BIN, 'tsx'), ['bin/consumer-app.ts'], app);
  } catch (err) {
    synthFailure = (err as Error).message;
  }
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the compiled construct, its declarations, the ASL files and the function bundles only', () => {
    const files = pack.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'dist/lib/index.js']),
    );
    expect(files).toContain('dist/lib/index.d.ts');
    expect(files).toContain('dist/statemachines/fragments/scenario-map.json');
    for (const entry of FUNCTION_ENTRIES) {
      expect(files).toContain(`dist/assets/${entry.replace(/\.ts$/, '')}/index.mjs`);
    }
    const unexpected = files.filter(
      (file) =>
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|docs\/construct\.md)$/.test(file) &&
        !/^dist\/(lib|src)\/.+\.(js|d\.ts)$/.test(file) &&
        !/^dist\/statemachines\/.+\.json$/.test(file) &&
        !/^dist\/assets\/lambdas\/[a-z-]+\/(index|chunks\/[\w-]+)\.mjs(\.map)?$/.test(file) &&
        file !== `dist/assets/lambdas/land-artifact/${EXEC_WRAPPER_FILE}`,
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /(^|\/)test\/|\.test\.|(?<!\.d)\.ts$/.test(file))).toEqual([]);
  });

  it('holds no module its entry does not reach', () => {
    const installed = path.join(app, 'node_modules', 'simulacra-pipeline');
    const entry = path.join(installed, 'dist', 'lib', 'index');
    const reachable = new Set([...reachableModules(`${entry}.js`), ...reachableModules(`${entry}.d.ts`)]);
    const modules = pack.files
      .map((file) => path.join(installed, file.path))
      .filter((file) => /^dist\/(lib|src)\//.test(path.relative(installed, file)));
    expect(modules.filter((file) => !reachable.has(file))).toEqual([]);
  });

  it(`stays within ${MAX_PACKED_BYTES / 1024 / 1024} MB packed and ${MAX_UNPACKED_BYTES / 1024 / 1024} MB unpacked`, () => {
    expect(pack.size).toBeLessThanOrEqual(MAX_PACKED_BYTES);
    expect(pack.unpackedSize).toBeLessThanOrEqual(MAX_UNPACKED_BYTES);
  });

  it('declares no runtime dependency but its peers', () => {
    const manifest = JSON.parse(
      readFileSync(path.join(app, 'node_modules', 'simulacra-pipeline', 'package.json'), 'utf8'),
    ) as { dependencies?: Record<string, string>; peerDependencies: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    // Nothing that could bundle at synth reached the consumer.
    expect(existsSync(path.join(app, 'node_modules', 'esbuild'))).toBe(false);
  });
});

describe('a consumer CDK app', () => {
  it('synthesizes the minimal and the full construct with cdk-nag clean', () => {
    const findings = synthFailure.match(new RegExp(`${FINDINGS_MARKER}(\\[.*\\])`))?.[1];
    expect(findings === undefined ? [] : (JSON.parse(findings) as string[])).toEqual([]);
    expect(synthFailure).toBe('');
    for (const stack of ['Minimal', 'Full']) {
      expect(existsSync(path.join(app, 'cdk.out', `${stack}.template.json`))).toBe(true);
    }
  });

  it('deploys the prebuilt bundles as assets, one per function', () => {
    for (const stackName of ['Minimal', 'Full']) {
      let wrapped = 0;
      const template = JSON.parse(
        readFileSync(path.join(app, 'cdk.out', `${stackName}.template.json`), 'utf8'),
      ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
      const functions = Object.values(template.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::Function' && resource.Properties['Handler'] === 'index.handler',
      );
      expect(functions.length).toBe(
        stackName === 'Full' ? FUNCTION_ENTRIES.length : FUNCTION_ENTRIES.length - 1,
      );
      for (const fn of functions) {
        expect(fn.Properties['Runtime']).toBe('nodejs24.x');
        const key = (fn.Properties['Code'] as { S3Key: string }).S3Key;
        const assetDir = path.join(app, 'cdk.out', `asset.${key.replace(/\.zip$/, '')}`);
        const bundle = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
        // Lambda resolves `index.handler` to this export (else Runtime.HandlerNotFound).
        expect(bundle).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
        // Lambda refuses a function whose code exceeds 250 MB unzipped.
        expect(directoryBytes(assetDir)).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
        const variables = (fn.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
        if (variables['AWS_LAMBDA_EXEC_WRAPPER'] !== undefined) {
          wrapped += 1;
          // CDK zips the asset with each file's mode: the exec bit must survive pack and install.
          expect(statSync(path.join(assetDir, EXEC_WRAPPER_FILE)).mode & 0o111).toBe(0o111);
        }
      }
      expect(wrapped, stackName).toBe(1);
      if (stackName === 'Full') {
        expect(functions.every((fn) => fn.Properties['VpcConfig'] !== undefined)).toBe(true);
      }
    }
  });
});
