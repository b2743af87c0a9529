#!/usr/bin/env node
// Entry point of the `simulacra-pipeline` command. Runs the TypeScript CLI through tsx on Node 24,
// re-executing itself with the project's own Node 24 (.tools/) when started by an older Node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const wanted = 24;
const major = Number(process.versions.node.split('.')[0]);

if (major !== wanted) {
  const bundled = join(root, '.tools', `node${wanted}`, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    console.error(
      `simulacra-pipeline needs Node ${wanted} (found ${process.versions.node}). Run "npm run setup" first.`,
    );
    process.exit(1);
  }
  const result = spawnSync(bundled, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
