/**
 * lib/sdk-schema-keys.ts: the SDK schema modules mean the same with their computed keys inlined,
 * and the bundles drop the schemas their handler does not use (without the plugin esbuild keeps
 * every shape of S3).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { functionBundleOptions } from '../../../lib/bundling.ts';
import { SDK_SCHEMA_MODULE, inlineSchemaKeys, sdkSchemaKeysPlugin } from '../../../lib/sdk-schema-keys.ts';

const REPO_ROOT = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'sdk-schema-keys-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The schema module of `client` (e.g. `client-s3`) in node_modules. */
function schemaModule(client: string): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'));
  const cjsIndex = require.resolve(`@aws-sdk/${client}`);
  return join(dirname(cjsIndex), '..', 'dist-es', 'schemas', 'schemas_0.js');
}

describe('inlineSchemaKeys', () => {
  it('writes the value of a module string constant into the computed keys naming it', () => {
    const source = [
      'const _hH = "httpHeader";',
      'const _e = "error";',
      'export var A$ = [3, n0, _A, { [_e]: _c, [_hH]: 403 }, [[0, { [_hH]: _x }]]];',
      'export var B$ = [0, { [other]: 1 }, [_e], cond ? [_e] : 0];',
    ].join('\n');
    expect(inlineSchemaKeys(source).split('\n').slice(2)).toEqual([
      'export var A$ = [3, n0, _A, { ["error"]: _c, ["httpHeader"]: 403 }, [[0, { ["httpHeader"]: _x }]]];',
      // Not keys, or not a constant of the module: unchanged.
      'export var B$ = [0, { [other]: 1 }, [_e], cond ? [_e] : 0];',
    ]);
  });

  it('matches the schema modules of the SDK clients the functions use', () => {
    for (const client of ['client-s3', 'client-dynamodb', 'client-glue']) {
      expect(schemaModule(client)).toMatch(SDK_SCHEMA_MODULE);
    }
  });

  it("leaves every export of S3's and Glue's schema modules as it was", async () => {
    for (const client of ['client-s3', 'client-glue']) {
      const serialized: string[] = [];
      for (const plugins of [[], [sdkSchemaKeysPlugin]]) {
        const entry = join(out, `${client}-${plugins.length}.ts`);
        writeFileSync(entry, `export * as schemas from ${JSON.stringify(schemaModule(client))};\n`);
        const outfile = join(out, `${client}-${plugins.length}.mjs`);
        await build({
          entryPoints: [entry],
          outfile,
          bundle: true,
          format: 'esm',
          platform: 'node',
          plugins,
        });
        const { schemas } = (await import(pathToFileURL(outfile).href)) as { schemas: object };
        // Shapes refer to others through thunks: compare their source (same names in both builds).
        serialized.push(
          JSON.stringify(schemas, (_key, value: unknown) =>
            typeof value === 'function' ? String(value) : value,
          ),
        );
      }
      expect(serialized[0]!.length, client).toBeGreaterThan(10_000);
      expect(serialized[1], client).toBe(serialized[0]);
    }
  });
});

/** Bytes of `@aws-sdk/client-s3`'s schema module in a bundle of an S3 call, with or without the plugin. */
async function s3SchemaBytes(withPlugin: boolean): Promise<number> {
  const entry = join(out, 'head-object.ts');
  writeFileSync(
    entry,
    "import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';\n" +
      "export const handler = () => new S3Client({}).send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));\n",
  );
  const options = functionBundleOptions(REPO_ROOT, entry, join(out, `head-object-${withPlugin}`));
  const result = await build({
    ...options,
    entryPoints: { index: entry },
    nodePaths: [join(REPO_ROOT, 'node_modules')],
    plugins: withPlugin ? options.plugins : [],
    write: false,
    metafile: true,
  });
  const outputs = Object.values(result.metafile.outputs);
  return outputs
    .flatMap((output) => Object.entries(output.inputs))
    .filter(([input]) => input.includes('@aws-sdk/client-s3/dist-es/schemas/'))
    .reduce((sum, [, { bytesInOutput }]) => sum + bytesInOutput, 0);
}

describe('the function bundles', () => {
  it('carry the plugin, and keep only the S3 schemas a HeadObject needs', async () => {
    expect(functionBundleOptions(REPO_ROOT, 'lambdas/poll-job.ts', out).plugins).toContain(
      sdkSchemaKeysPlugin,
    );
    const without = await s3SchemaBytes(false);
    const withPlugin = await s3SchemaBytes(true);
    expect(without).toBeGreaterThan(50 * 1024);
    expect(withPlugin).toBeLessThan(without / 4);
  });
});
