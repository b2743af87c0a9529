/**
 * Synth with bundling on (the other construct tests skip it): in this repository each function's
 * code is bundled from its source at synth with code splitting (lib/function-factory.ts), and
 * each function must get its own asset, `index.mjs` exporting `handler`, with its lazy chunks
 * beside it. CDK caches bundles by source directory and bundling options, which are the same for
 * every function: without the entry in the cache key every function would deploy the first one's
 * code. LandArtifact's asset also holds its exec wrapper, executable (Lambda runs
 * `AWS_LAMBDA_EXEC_WRAPPER` only with the exec bit, which the asset's zip keeps), and the function
 * names it; no other function ships or names one.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_CHUNK_DIR, BUNDLE_ENTRY_FILE } from '../../../lib/bundling.ts';
import { SimulacraPipeline } from '../../../lib/index.ts';
import { EXEC_WRAPPER_FILE, EXEC_WRAPPER_SOURCE, LAMBDA_TASK_ROOT } from '../../../lib/lambda-runtime.ts';
import { PROJECT_ROOT } from '../../../lib/asl-definition.ts';
import { LANDING_SEMI_SPACE_MB } from '../../../lib/pipeline-functions.ts';
import { TEST_ENV } from '../../support/infra-fixtures.ts';

const outdir = mkdtempSync(path.join(tmpdir(), 'function-assets-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('function assets bundled at synth', () => {
  it('give every function its own code-split bundle of its own handler', () => {
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Assets', { env: TEST_ENV });
    new SimulacraPipeline(stack, 'Pipeline', { feeds: ['customers'] });
    const assembly = app.synth();
    const template = assembly.getStackByName('Assets').template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties['Handler'] === 'index.handler',
    );
    expect(functions.length).toBeGreaterThanOrEqual(9);
    const keys = functions.map(([, r]) => (r.Properties['Code'] as { S3Key: string }).S3Key);
    expect(new Set(keys).size).toBe(keys.length);
    const assetDir = (key: string) => path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const chunksOf = (key: string) => readdirSync(path.join(assetDir(key), BUNDLE_CHUNK_DIR));
    for (const [id, fn] of functions) {
      const key = (fn.Properties['Code'] as { S3Key: string }).S3Key;
      const bundle = readFileSync(
        path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, BUNDLE_ENTRY_FILE),
        'utf8',
      );
      expect(bundle, id).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
      expect(bundle, id).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    }
    const land = functions.find(([id]) => /LandArtifact/.test(id));
    expect(land, 'LandArtifact function').toBeDefined();
    const landChunks = chunksOf((land![1].Properties['Code'] as { S3Key: string }).S3Key);
    expect(landChunks.some((f) => /^parquet-inspect-\w+\.mjs$/.test(f))).toBe(true);
    expect(landChunks.some((f) => /^arrow-inspect-\w+\.mjs$/.test(f))).toBe(true);

    const wrapper = path.join(
      assetDir((land![1].Properties['Code'] as { S3Key: string }).S3Key),
      EXEC_WRAPPER_FILE,
    );
    expect(statSync(wrapper).mode & 0o777).toBe(0o755);
    expect(readFileSync(wrapper, 'utf8')).toBe(
      readFileSync(path.join(PROJECT_ROOT, EXEC_WRAPPER_SOURCE), 'utf8'),
    );
    const variablesOf = (fn: (typeof functions)[number][1]) =>
      (fn.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
    expect(variablesOf(land![1])).toMatchObject({
      AWS_LAMBDA_EXEC_WRAPPER: `${LAMBDA_TASK_ROOT}/${EXEC_WRAPPER_FILE}`,
      SIMULACRA_MAX_SEMI_SPACE_MB: String(LANDING_SEMI_SPACE_MB),
    });
    expect(variablesOf(land![1])['NODE_OPTIONS']).toBeUndefined();
    for (const [id, fn] of functions.filter(([other]) => other !== land![0])) {
      const key = (fn.Properties['Code'] as { S3Key: string }).S3Key;
      expect(existsSync(path.join(assetDir(key), EXEC_WRAPPER_FILE)), id).toBe(false);
      expect(variablesOf(fn)['AWS_LAMBDA_EXEC_WRAPPER'], id).toBeUndefined();
    }
  }, 180_000);
});
