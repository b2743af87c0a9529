import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanSeed, readSeed, trainModel } from '../../simulator/engine/index.ts';
import type { CleanTable, GeneratedColumns, TrainedModel } from '../../simulator/engine/index.ts';

export const seedsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/seeds');

export function exampleSeedBytes(name = 'quickstart.csv'): Buffer {
  return readFileSync(path.join(seedsDir, name));
}

/** The quickstart example cleaned and trained (seed 1). */
export async function quickstartModel(): Promise<{ table: CleanTable; model: TrainedModel }> {
  const seed = await readSeed(exampleSeedBytes(), 'quickstart.csv');
  const { table } = cleanSeed(seed);
  return { table, model: trainModel(table, { seed: 1 }) };
}

/** Share of each level of a generated categorical column. */
export function levelShares(columns: GeneratedColumns, name: string): Record<string, number> {
  const column = columns.columns.find((c) => c.name === name);
  if (column?.kind !== 'categorical') throw new Error(`no categorical column ${name}`);
  const counts = column.levels.map(() => 0);
  for (const code of column.codes) counts[code]! += 1;
  return Object.fromEntries(column.levels.map((level, i) => [level, counts[i]! / column.codes.length]));
}

export function numericValues(columns: GeneratedColumns, name: string): Float64Array {
  const column = columns.columns.find((c) => c.name === name);
  if (column?.kind !== 'numeric') throw new Error(`no numeric column ${name}`);
  return column.values;
}

/** CSV text from rows of cells. */
export function csv(rows: ReadonlyArray<ReadonlyArray<string | number>>): Buffer {
  return Buffer.from(rows.map((r) => r.join(',')).join('\n') + '\n');
}
