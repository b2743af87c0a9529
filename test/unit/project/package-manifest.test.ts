import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Manifest {
  private?: boolean;
  type: string;
  main: string;
  types: string;
  exports: Record<string, unknown>;
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

describe('package.json dependencies for consumers', () => {
  it('takes aws-cdk-lib and constructs as peers (one copy of constructs in a consumer app)', () => {
    for (const name of ['aws-cdk-lib', 'constructs']) {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependencies?.[name]).toBeDefined();
      expect(manifest.devDependencies[name]).toBe(manifest.peerDependencies?.[name]);
    }
  });

  it('keeps cdk-nag a development dependency (only bin/app.ts uses it)', () => {
    expect(manifest.dependencies['cdk-nag']).toBeUndefined();
    expect(manifest.devDependencies['cdk-nag']).toBeDefined();
  });

  it('publishes the compiled ESM construct only: exports, types, files, no runtime dependency', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.type).toBe('module');
    expect(manifest.exports['.']).toEqual({ types: manifest.types, default: manifest.main });
    expect(manifest.main).toBe('./dist/lib/index.js');
    expect(manifest.types).toBe('./dist/lib/index.d.ts');
    expect(manifest.files).toEqual(['dist/', 'docs/construct.md', 'CHANGELOG.md']);
    // The handlers ship bundled: their libraries (SDK, Powertools, zod, ...) are build-time only.
    expect(manifest.dependencies).toEqual({});
    expect(manifest.scripts['prepack']).toMatch(/\bbuild\b/);
  });
});
