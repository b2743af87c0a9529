/**
 * Real data nobody here wrote: CSV files shipped inside PyPI packages installed in the project's
 * venv from requirements-test.txt (`palmerpenguins`, `vega_datasets`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The packages shipping the datasets, as named in requirements-test.txt. */
export type DatasetPackage = 'palmerpenguins' | 'vega_datasets';

/** The bytes of `file` (a path inside the installed Python package `pkg`). */
export function registryDataset(pkg: DatasetPackage, file: string): Buffer {
  // Located without importing the package (both import pandas, which is slow).
  const script =
    `import importlib.util; spec = importlib.util.find_spec(${JSON.stringify(pkg)}); ` +
    'print(spec.submodule_search_locations[0] if spec else "")';
  let dir: string;
  try {
    dir = execFileSync(join(ROOT, '.venv', 'bin', 'python'), ['-c', script], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`could not run .venv/bin/python to find ${pkg}: run npm run setup`, { cause: err });
  }
  if (!dir) {
    throw new Error(
      `Python package ${pkg} is not installed in .venv: run npm run setup (requirements-test.txt)`,
    );
  }
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`${pkg} has no ${file} (looked at ${path})`);
  return readFileSync(path);
}
