/**
 * Each function's bundle carries only what its handler uses: the AWS SDK clients it calls, no
 * X-Ray SDK, no zod locales, and apache-arrow only in LandArtifact. Bundled as the construct does
 * (bench/cold-start.ts `CDK_BUNDLING`), without minifying, reading esbuild's metafile.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CDK_BUNDLING, packageOf } from '../../../bench/cold-start.ts';
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
  RecordRun: ['client-dynamodb', 'client-eventbridge'],
  PrepareFeed: [...vendor, 'client-s3'],
  RotateCredentials: ['client-secrets-manager'],
};

const entries = [
  ...pipelineFunctions.map((f) => ({ id: f.id, entry: f.entry })),
  { id: 'RotateCredentials', entry: 'lambdas/rotate-credentials.ts' },
];

async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    ...CDK_BUNDLING,
    minify: false,
    sourcemap: false,
    write: false,
    outfile: 'bundle.mjs',
    entryPoints: [join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    metafile: true,
  });
  return Object.values(result.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
}

describe('function bundles', () => {
  it('covers every pipeline function', () => {
    expect(Object.keys(EXPECTED_CLIENTS).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it.each(entries)(
    '$id bundles only the SDK clients it calls, no X-Ray SDK and no zod locales',
    async ({ id, entry }) => {
      const inputs = await bundledInputs(entry);
      const packages = new Set(inputs.map(packageOf));
      const clients = [...packages]
        .filter((p) => p.startsWith('@aws-sdk/client-'))
        .map((p) => p.slice('@aws-sdk/'.length))
        .sort();
      expect(clients).toEqual([...EXPECTED_CLIENTS[id]!].sort());
      expect(packages).not.toContain('aws-xray-sdk-core');
      expect(packages.has('apache-arrow')).toBe(id === 'LandArtifact');
      expect(inputs.filter((i) => /zod\/v4\/locales\/(?!en\.)/.test(i))).toEqual([]);
    },
    30_000,
  );
});
