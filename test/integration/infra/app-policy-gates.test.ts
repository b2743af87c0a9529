/**
 * Policy gates on the real app: synthesize the demo stack in-process with esbuild bundling and
 * cdk-nag's AWS Solutions checks as a validation plugin, then run cfn-lint and checkov on the
 * synthesized template (checkov also on a mutated copy, to prove the gate can fail).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../lib/asl-definition.ts';
import { SimulacraDemoStack } from '../../../lib/demo-stack.ts';
import { SimulacraPipeline } from '../../../lib/simulacra-pipeline.ts';
import { allFeaturesProps } from '../../support/infra-fixtures.ts';

const venv = path.join(PROJECT_ROOT, '.venv', 'bin');
const stackName = 'SimulacraPipelineGate';
/** esbuild bundling of nine handlers and the Python checkers take a while on a busy machine. */
const SLOW_STEP_MS = 300_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface CheckovReport {
  summary: { passed: number; failed: number; skipped: number };
  results: { failed_checks?: { check_id: string; resource: string }[] };
}

function checkov(file: string): Promise<CheckovReport> {
  return run(path.join(venv, 'checkov'), [
    '--config-file',
    path.join(PROJECT_ROOT, '.checkov.yaml'),
    '-f',
    file,
    '-o',
    'json',
  ]).then((result) => {
    const parsed = JSON.parse(result.stdout) as CheckovReport | CheckovReport[];
    return Array.isArray(parsed) ? parsed[0]! : parsed;
  });
}

/** Every optional feature at once (templates only; no bundling needed for static analysis). */
function synthAllFeaturesVariant(dir: string): string {
  const app = new App({
    outdir: dir,
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new Stack(app, 'AllFeatures', { env: { account: '123456789012', region: 'us-east-1' } });
  new SimulacraPipeline(stack, 'Pipeline', allFeaturesProps(stack));
  app.synth();
  return path.join(dir, 'AllFeatures.template.json');
}

let outdir: string;
let templateFile: string;
let template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'simulacra-synth-'));
  // The same composition as bin/app.ts, with a fixed environment and output directory.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  new SimulacraDemoStack(app, stackName, { env: { account: '123456789012', region: 'us-east-1' } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  templateFile = path.join(outdir, `${stackName}.template.json`);
  template = JSON.parse(readFileSync(templateFile, 'utf8')) as typeof template;
}, SLOW_STEP_MS);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('cdk synth of the app (offline, in-process)', () => {
  it('passes cdk-nag AwsSolutions with zero unacknowledged findings', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations?: unknown[] }[];
    };
    const nag = report.pluginReports.find((r) => r.pluginName.includes('AwsSolutions'));
    expect(nag?.violations ?? []).toEqual([]);
  });

  it('bundles every handler locally with esbuild as minified ESM plus a source map', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBe(9);
    const assetDirs = readdirSync(outdir).filter(
      (name) => name.startsWith('asset.') && !name.endsWith('.json'),
    );
    const bundles = assetDirs.filter((dir) => existsSync(path.join(outdir, dir, 'index.mjs')));
    expect(bundles.length).toBe(functions.length);
    for (const dir of bundles) {
      const code = readFileSync(path.join(outdir, dir, 'index.mjs'), 'utf8');
      expect(code, dir).toMatch(/export\s*\{/);
      expect(code, dir).toContain('createRequire');
      expect(code.length / code.split('\n').length, `${dir} is minified`).toBeGreaterThan(1000);
      expect(existsSync(path.join(outdir, dir, 'index.mjs.map')), dir).toBe(true);
    }
  });
});

describe('static analysis of the synthesized template', () => {
  let lint: Run;
  let lintVariant: Run;
  let clean: CheckovReport;
  let cleanVariant: CheckovReport;
  let mutated: CheckovReport;

  beforeAll(async () => {
    const copy = structuredClone(template);
    const functionId = Object.keys(copy.Resources).find(
      (id) => copy.Resources[id]!.Type === 'AWS::Lambda::Function',
    )!;
    delete copy.Resources[functionId]!.Properties!['KmsKeyArn'];
    const mutatedFile = path.join(outdir, 'mutated.template.json');
    writeFileSync(mutatedFile, JSON.stringify(copy));
    const variantFile = synthAllFeaturesVariant(path.join(outdir, 'all-features'));
    [lint, lintVariant, clean, cleanVariant, mutated] = await Promise.all([
      run(path.join(venv, 'cfn-lint'), ['--format', 'json', templateFile]),
      run(path.join(venv, 'cfn-lint'), ['--format', 'json', variantFile]),
      checkov(templateFile),
      checkov(variantFile),
      checkov(mutatedFile),
    ]);
  }, SLOW_STEP_MS);

  it.each([
    ['demo app', () => lint],
    ['all-features variant', () => lintVariant],
  ])('cfn-lint reports zero errors on the %s', (_name, result) => {
    const findings = JSON.parse(result().stdout || '[]') as {
      Level: string;
      Rule: { Id: string };
      Message: string;
    }[];
    const errors = findings.filter((f) => f.Level === 'Error');
    expect(errors.map((e) => `${e.Rule.Id}: ${e.Message}`)).toEqual([]);
  });

  it.each([
    ['demo app', () => clean],
    ['all-features variant', () => cleanVariant],
  ])(
    'checkov reports zero failed checks on the %s (accepted ones are skipped per resource)',
    (_name, report) => {
      expect((report().results.failed_checks ?? []).map((c) => `${c.check_id} ${c.resource}`)).toEqual([]);
      expect(report().summary.passed).toBeGreaterThan(100);
    },
  );

  it('checkov fails when a security default is removed (Lambda environment encryption)', () => {
    expect((mutated.results.failed_checks ?? []).map((c) => c.check_id)).toContain('CKV_AWS_173');
  });
});
