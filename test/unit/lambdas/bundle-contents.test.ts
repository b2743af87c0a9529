/**
 * Each function's bundle carries only what its handler uses: the AWS SDK clients it calls, no
 * X-Ray SDK, zod/mini only (no classic zod, no locale but English), no credential chain beyond the environment (Lambda's), and
 * apache-arrow only in LandArtifact, where it and hyparquet are in lazy chunks. Bundled as the
 * construct does (`functionBundleOptions` of lib/bundling.ts), without minifying, reading
 * esbuild's metafile.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eagerOutputs, packageOf } from '../../../bench/cold-start.ts';
import { functionBundleOptions } from '../../../lib/bundling.ts';
import { pipelineFunctions } from '../../../lib/pipeline-functions.ts';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const vendor = ['client-dynamodb', 'client-kms', 'client-secrets-manager'];

/** The SDK clients each function's handler calls. */
const EXPECTED_CLIENTS: Readonly<Record<string, readonly string[]>> = {
  StartIngest: ['client-dynamodb', 'client-eventbridge', 'client-s3', 'client-sfn'],
  UploadSeed: [...vendor, 'client-s3'],
  PollJob: vendor,
  ResolveScenarios: [...vendor, 'client-s3'],
  CreateGeneration: vendor,
  LandArtifact: [...vendor, 'client-s3'],
  RegisterCatalog: ['client-glue', 'client-s3'],
  RecordRun: ['client-dynamodb', 'client-eventbridge', 'client-scheduler'],
  PrepareFeed: [...vendor, 'client-s3'],
  RotateCredentials: ['client-secrets-manager'],
};

const entries = [
  ...pipelineFunctions.map((f) => ({ id: f.id, entry: f.entry })),
  { id: 'RotateCredentials', entry: 'lambdas/rotate-credentials.ts' },
];

/** The inputs in the bundle of `entry`: in what a cold start loads, and in the lazy chunks. */
async function bundledInputs(entry: string): Promise<{ eager: string[]; lazy: string[] }> {
  const result = await build({
    ...functionBundleOptions(REPO_ROOT, entry, join(tmpdir(), 'bundle-contents')),
    minify: false,
    sourcemap: false,
    write: false,
    metafile: true,
  });
  const eager = eagerOutputs(result.metafile);
  const inputsOf = (lazy: boolean) =>
    Object.entries(result.metafile.outputs)
      .filter(([key]) => eager.has(key) !== lazy)
      .flatMap(([, output]) =>
        Object.entries(output.inputs)
          .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
          .map(([input]) => input),
      );
  return { eager: inputsOf(false), lazy: inputsOf(true) };
}

describe('function bundles', () => {
  it('covers every pipeline function', () => {
    expect(Object.keys(EXPECTED_CLIENTS).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it.each(entries)(
    '$id bundles only the SDK clients it calls, no X-Ray SDK, zod/mini without other locales, env credentials only',
    async ({ id, entry }) => {
      const { eager, lazy } = await bundledInputs(entry);
      const inputs = [...eager, ...lazy];
      const packages = new Set(inputs.map(packageOf));
      const clients = [...packages]
        .filter((p) => p.startsWith('@aws-sdk/client-'))
        .map((p) => p.slice('@aws-sdk/'.length))
        .sort();
      expect(clients).toEqual([...EXPECTED_CLIENTS[id]!].sort());
      expect(packages).not.toContain('aws-xray-sdk-core');
      expect(packages.has('apache-arrow')).toBe(id === 'LandArtifact');
      // The Arrow and Parquet readers load only when an Arrow or Parquet artifact is landed.
      const eagerPackages = new Set(eager.map(packageOf));
      expect(['apache-arrow', 'hyparquet', 'flatbuffers'].filter((p) => eagerPackages.has(p))).toEqual([]);
      expect(inputs.filter((i) => /zod\/v4\/locales\/(?!en\.)/.test(i))).toEqual([]);
      expect(inputs.filter((i) => i.includes('zod/v4/classic/'))).toEqual([]);
      // Lambda's credentials come from the environment: no default chain, no STS/SSO clients.
      expect(packages).toContain('project');
      expect(inputs.some((i) => i.endsWith('lambdas/commons/lambda-credentials.ts'))).toBe(true);
      expect(
        [...packages].filter((p) =>
          /^@aws-sdk\/(credential-provider-(node|ini|sso|login|process|web-identity|http)|nested-clients|token-providers)$/.test(
            p,
          ),
        ),
      ).toEqual([]);
      expect([...packages].filter((p) => p.startsWith('@smithy/credential-provider-imds'))).toEqual([]);
    },
    30_000,
  );

  it('a bundled client resolves the role credentials Lambda puts in the environment, and says so when they are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-credentials-'));
    try {
      const entry = join(dir, 'entry.ts');
      writeFileSync(
        entry,
        "import { S3Client } from '@aws-sdk/client-s3';\n" +
          'const credentials = await new S3Client({}).config.credentials();\n' +
          'process.stdout.write(JSON.stringify({ id: credentials.accessKeyId, token: credentials.sessionToken }));\n',
      );
      const outfile = join(dir, 'entry.mjs');
      await build({
        ...functionBundleOptions(REPO_ROOT, entry, dir),
        entryPoints: { entry },
        sourcemap: false,
        nodePaths: [join(REPO_ROOT, 'node_modules')],
      });
      const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' };
      const out = execFileSync(process.execPath, [outfile], {
        env: { ...env, AWS_ACCESS_KEY_ID: 'AKIDROLE', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' },
      });
      expect(JSON.parse(out.toString())).toEqual({ id: 'AKIDROLE', token: 't' });
      expect(() => execFileSync(process.execPath, [outfile], { env, stdio: 'pipe' })).toThrow(
        /Unable to find environment variable credentials/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
