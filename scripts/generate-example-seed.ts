/**
 * Writes the example seed `examples/seeds/quickstart.csv` (the vendor quickstart's shape, 2,000
 * survey respondents with realistic dependencies), `examples/seeds/scenarios.json` (two scenarios
 * in original column names) and `examples/seeds/malformed.csv` (ragged rows, for tests).
 * Deterministic: running it again gives byte-identical files.
 *
 * Usage: npx tsx scripts/generate-example-seed.ts [output-dir]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../simulator/engine/prng.ts';
import type { Random } from '../simulator/engine/prng.ts';

const ROWS = 2_000;
const SEED = 20260501;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'examples', 'seeds'));

function pick<T extends string>(random: Random, weights: ReadonlyArray<readonly [T, number]>): T {
  const total = weights.reduce((acc, [, w]) => acc + w, 0);
  let u = random.next() * total;
  for (const [value, w] of weights) {
    u -= w;
    if (u < 0) return value;
  }
  return weights[weights.length - 1]![0];
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** One respondent: segment drives age and intent; age drives channel; channel shifts intent. */
function respondent(random: Random, id: number): string {
  const segment = pick(random, [
    ['Premium', 0.25],
    ['Mainstream', 0.45],
    ['Value', 0.3],
  ]);
  const ageMean = { Premium: 47, Mainstream: 41, Value: 36 }[segment];
  const age = Math.round(clamp(ageMean + 13 * random.normal(), 18, 75));
  const young = age < 35;
  const channel = pick(random, [
    ['Online', young ? 0.62 : 0.3],
    ['Retail', young ? 0.28 : 0.52],
    ['Club', segment === 'Premium' ? 0.2 : 0.1],
  ]);
  const region = pick(random, [
    ['Northeast', 0.18],
    ['South', 0.38],
    ['Midwest', 0.21],
    ['West', 0.23],
  ]);
  const base = { Premium: 68, Mainstream: 52, Value: 38 }[segment];
  const channelShift = { Online: 4, Retail: -2, Club: 7 }[channel];
  const intent = clamp(base + channelShift - 0.15 * (age - 40) + 16 * random.normal(), 0, 100);
  return [id, age, segment, channel, region, intent.toFixed(1)].join(',');
}

function quickstartCsv(): string {
  const random = createRandom(SEED);
  const lines = ['respondent_id,age,segment,channel,region,purchase_intent'];
  for (let i = 0; i < ROWS; i++) lines.push(respondent(random, 100_001 + i));
  return `${lines.join('\n')}\n`;
}

const scenarios = {
  scenarios: [
    {
      name: 'premium-heavy',
      row_count: 5000,
      output_format: 'parquet',
      seed: 7,
      conditions: {
        categorical: { segment: { Premium: 0.55, Mainstream: 0.35, Value: 0.1 } },
        numeric: { purchase_intent: { min: 70, max: 100 } },
      },
    },
    {
      name: 'online-young',
      row_count: 2000,
      output_format: 'csv',
      seed: 11,
      conditions: {
        categorical: { channel: { Online: 0.7, Retail: 0.2, Club: 0.1 } },
        numeric: { age: { min: 18, max: 34 } },
      },
    },
  ],
};

const malformed = [
  'respondent_id,age,segment,channel,region,purchase_intent',
  '1,34,Premium,Online,West,71.5',
  '2,51,Value,Retail,South',
  '3,29,Mainstream,Online,Midwest,55.0,extra',
  '',
].join('\n');

mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'quickstart.csv'), quickstartCsv());
writeFileSync(path.join(outDir, 'scenarios.json'), `${JSON.stringify(scenarios, null, 2)}\n`);
writeFileSync(path.join(outDir, 'malformed.csv'), malformed);
console.log(`wrote quickstart.csv (${ROWS} rows), scenarios.json and malformed.csv to ${outDir}`);
