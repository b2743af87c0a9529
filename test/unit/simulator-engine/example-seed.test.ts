import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { vendorColumnName } from '../../../src/conditions/column-names.ts';
import { checkConditions, generate } from '../../../simulator/engine/index.ts';
import type { Conditions } from '../../../simulator/engine/index.ts';
import { quickstartModel, seedsDir } from '../../support/simulator-engine-helpers.ts';

interface Scenario {
  name: string;
  row_count: number;
  output_format: string;
  seed: number;
  conditions: Conditions;
}

/** Scenario conditions with original column names mapped to the vendor's cleaned names. */
function inVendorNames(conditions: Conditions): Conditions {
  const rename = <T>(record: Readonly<Record<string, T>> | undefined) =>
    record &&
    Object.fromEntries(Object.entries(record).map(([name, value]) => [vendorColumnName(name), value]));
  return { categorical: rename(conditions.categorical), numeric: rename(conditions.numeric) };
}

describe('example seed', () => {
  it('the committed files are what the generator script writes', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'example-seed-'));
    const root = path.resolve(seedsDir, '../..');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-example-seed.ts', out], {
      cwd: root,
      stdio: 'pipe',
    });
    const files = readdirSync(out).sort();
    expect(files).toEqual(['malformed.csv', 'quickstart.csv', 'scenarios.json']);
    for (const file of files) {
      expect(readFileSync(path.join(out, file)).equals(readFileSync(path.join(seedsDir, file)))).toBe(true);
    }
  });

  it('both example scenarios are valid and fully feasible on the quickstart model', async () => {
    const { model } = await quickstartModel();
    const { scenarios } = JSON.parse(readFileSync(path.join(seedsDir, 'scenarios.json'), 'utf8')) as {
      scenarios: Scenario[];
    };
    expect(scenarios.map((s) => [s.name, s.output_format])).toEqual([
      ['premium-heavy', 'parquet'],
      ['online-young', 'csv'],
    ]);
    for (const scenario of scenarios) {
      const conditions = inVendorNames(scenario.conditions);
      expect(checkConditions(model, conditions)).toEqual([]);
      const result = generate(model, { rowCount: scenario.row_count, conditions, seed: scenario.seed });
      expect(result).toMatchObject({ rowsGenerated: scenario.row_count, partial: false });
    }
  });
});
