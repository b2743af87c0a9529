/**
 * lib/sdk-package-info.ts: the bundles keep only `name` and `version` of each SDK client's
 * package.json, and the clients read nothing else of it (checked on the installed SDK, so an SDK
 * upgrade that reads another field fails here).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { functionBundleOptions } from '../../../lib/bundling.ts';
import { SDK_CLIENT_MANIFEST, nameAndVersion, sdkPackageInfoPlugin } from '../../../lib/sdk-package-info.ts';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const SDK_DIR = join(REPO_ROOT, 'node_modules', '@aws-sdk');
const out = mkdtempSync(join(tmpdir(), 'sdk-package-info-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const clients = readdirSync(SDK_DIR).filter((name) => name.startsWith('client-'));

describe('nameAndVersion', () => {
  it('keeps the name and the version of a manifest, nothing else', () => {
    const manifest = JSON.stringify({
      name: '@aws-sdk/client-x',
      version: '3.1.0',
      scripts: { a: 'b' },
      files: [],
    });
    expect(JSON.parse(nameAndVersion(manifest))).toEqual({ name: '@aws-sdk/client-x', version: '3.1.0' });
  });
});

describe('the SDK clients', () => {
  it('read only the version of the manifest they import', () => {
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      const dist = join(SDK_DIR, client, 'dist-es');
      expect(join(SDK_DIR, client, 'package.json'), client).toMatch(SDK_CLIENT_MANIFEST);
      for (const file of readdirSync(dist).filter((name) => name.endsWith('.js'))) {
        const source = readFileSync(join(dist, file), 'utf8');
        const imported = /import (\w+) from "\.\.\/package\.json"/.exec(source)?.[1];
        if (imported === undefined) continue;
        const reads = [...source.matchAll(new RegExp(`\\b${imported}\\b(\\.\\w+)?`, 'g'))].map((m) => m[1]);
        // The import itself, then `.version` only.
        expect(reads.slice(1), `${client}/${file}`).toEqual(reads.slice(1).map(() => '.version'));
      }
    }
  });
});

describe('the function bundles', () => {
  it('carry the plugin and bundle an S3 client with its version only', async () => {
    expect(functionBundleOptions(REPO_ROOT, 'lambdas/poll-job.ts', out).plugins).toContain(
      sdkPackageInfoPlugin,
    );
    const entry = join(out, 'head-object.ts');
    writeFileSync(
      entry,
      "import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';\n" +
        "export const handler = () => new S3Client({}).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));\n",
    );
    const result = await build({
      ...functionBundleOptions(REPO_ROOT, entry, join(out, 'head-object')),
      entryPoints: { index: entry },
      nodePaths: [join(REPO_ROOT, 'node_modules')],
      write: false,
      metafile: true,
    });
    const manifestBytes = Object.values(result.metafile.outputs)
      .flatMap((output) => Object.entries(output.inputs))
      .filter(([input]) => input.endsWith('@aws-sdk/client-s3/package.json'))
      .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
    const { version } = JSON.parse(readFileSync(join(SDK_DIR, 'client-s3', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(manifestBytes).toBeGreaterThan(0);
    expect(manifestBytes).toBeLessThan(100);
    const code = result.outputFiles.map((file) => file.text).join('\n');
    expect(code).toContain(`version:"${version}"`);
  });
});
