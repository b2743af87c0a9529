import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Conditions } from '../../../src/client/contract.ts';
import { prepareAssessment, type AssessmentOutcome } from '../../../src/quality/assess.ts';
import { HashSet, Reservoir, RowHasher, seededRandom, toCell } from '../../../src/quality/cells.ts';
import {
  DEFAULT_SETTINGS,
  gateFromJson,
  gateProblems,
  mergeSections,
  resolveSettings,
} from '../../../src/quality/config.ts';
import { cramersV, ksErrorBound95, ksStatistic, tvdOfCounts } from '../../../src/quality/fidelity.ts';
import { describeFailures } from '../../../src/quality/gate.ts';
import { seedColumns } from '../../../src/quality/seed-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'quality-test-'));

/** A seed of `n` rows: an id, a free-text note, two categoricals and two correlated numerics. */
function seedCsv(n: number): string {
  const lines = ['customer_id,note,segment,region,age,spend'];
  for (let i = 0; i < n; i++) {
    const age = 18 + ((i * 37) % 60);
    const spend = (age * 3 + ((i * 53) % 41)).toFixed(1);
    const note = i % 4 === 0 ? `called about order ${i} twice` : 'NA';
    lines.push(
      `C${1000 + i},${note},${['a', 'b', 'c'][i % 3]},${i === 7 ? 'Rare' : ['N', 'S'][i % 2]},${age},${spend}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A seed without identifiers, its numerics spread by a seeded generator: distances vary. */
function variedSeedCsv(n: number, seed = 7): string {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['segment,region,age,spend'];
  for (let i = 0; i < n; i++) {
    const age = (18 + next() * 60).toFixed(1);
    lines.push(
      `${['a', 'b', 'c'][i % 3]},${['N', 'S'][Math.floor(next() * 2)]},${age},${(next() * 500).toFixed(2)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

type Row = Record<string, unknown>;

function rowsOf(csv: string): Row[] {
  const [header, ...lines] = csv.trim().split('\n');
  const names = header!.split(',');
  return lines.map((line): Row =>
    Object.fromEntries(line.split(',').map((v, i): [string, unknown] => [names[i] ?? '', v])),
  );
}

async function assess(
  seed: string,
  synthetic: Row[],
  options: { conditions?: Conditions; quality?: unknown } = {},
): Promise<AssessmentOutcome> {
  const path = join(dir, `seed-${Math.random()}.csv`);
  writeFileSync(path, seed);
  const artifactColumns = ['customer.id', 'note', 'segment', 'region', 'age', 'spend'];
  const assessment = await prepareAssessment({
    seedPath: path,
    seedFormat: 'csv',
    seedColumns: await seedColumns(path, 'csv'),
    artifactColumns,
    conditions: options.conditions ?? null,
    settings: resolveSettings(options.quality),
  });
  // The artifact names columns the vendor's way (`customer_id` -> `customer.id`).
  const renamed: Row[] = synthetic.map((r) => ({ ...r, 'customer.id': r['customer_id'] }));
  const batch = Object.fromEntries(artifactColumns.map((c) => [c, renamed.map((r) => r[c])]));
  assessment.visitor.visitBatch(batch, synthetic.length);
  return assessment.finish();
}

/** Fresh rows of the same population: not in the seed. */
function freshRows(n: number): Row[] {
  return rowsOf(seedCsv(n * 3))
    .slice(n)
    .map((r, i) => ({
      ...r,
      customer_id: `X${i}`,
      age: Number(r['age']) + 0.5,
      spend: Number(r['spend']) + 0.35,
    }));
}

describe('quality report', () => {
  const seed = seedCsv(400);

  it('fails the default gate on copied seed rows and passes fresh rows of the same population', async () => {
    const copied = await assess(seed, rowsOf(seed));
    expect(copied.report.privacy.exactMatch.share).toBe(1);
    expect(copied.report.privacy.exactMatch.holdoutShare).toBe(0);
    expect(copied.report.privacy.exactMatch.excess).toBeGreaterThan(0.3);
    expect(copied.verdict.passed).toBe(false);
    expect(copied.verdict.failedMetrics).toEqual(['exact_match_excess']);
    expect(describeFailures(copied.verdict)).toMatch(
      /^exact_match_excess = 0\.\d+ \(must be <= 0\.01 \+ 0\.\d+ sampling margin\)$/,
    );
    expect(copied.report.privacy.dcr.zeroShare).toBeGreaterThan(0.3);

    const fresh = await assess(seed, freshRows(400));
    expect(fresh.report.privacy.exactMatch.matches).toBe(0);
    expect(fresh.verdict.passed).toBe(true);
    // Every distance here is set by the id column (1/6 in every pair): DCR is reported, not judged.
    expect(fresh.verdict.checks.find((c) => c.metric === 'dcr_close_share')?.notJudged).toMatch(
      /holdout's distances are nearly all equal/,
    );
    expect(fresh.report.fidelity.score).toBeGreaterThan(0.6);
    expect(fresh.report.fidelity.definition).toContain('column score');
  });

  it('quarantines near-copies by default (DCR close share), and reports but does not judge DCR on a small seed', async () => {
    // Seed rows with amounts nudged: no row is identical, every row is a near-copy.
    const nearCopies = (csv: string) => rowsOf(csv).map((r) => ({ ...r, spend: Number(r['spend']) + 0.01 }));
    const varied = variedSeedCsv(400);
    const leaky = await assess(varied, nearCopies(varied));
    expect(leaky.report.privacy.exactMatch.matches).toBe(0);
    expect(leaky.report.privacy.dcr.referenceRows).toBeGreaterThanOrEqual(150);
    expect(leaky.verdict.failedMetrics).toEqual(['dcr_close_share']);
    expect(leaky.verdict.checks.find((c) => c.metric === 'dcr_close_share')?.notJudged).toBeUndefined();
    // Fresh rows of the same population pass.
    const fresh = await assess(varied, rowsOf(variedSeedCsv(400, 99)));
    expect(fresh.verdict.passed).toBe(true);

    const small = variedSeedCsv(120);
    const smallOut = await assess(small, nearCopies(small));
    const dcr = smallOut.verdict.checks.find((c) => c.metric === 'dcr_close_share');
    expect(dcr?.value).toBeGreaterThan(0.2);
    expect(dcr).toMatchObject({ passed: true, threshold: 0.2 });
    expect(dcr?.notJudged).toMatch(/reference half has \d+ rows, fewer than 150/);
    expect(smallOut.verdict.passed).toBe(true);

    // Turned off per scenario: not checked at all.
    const off = await assess(varied, nearCopies(varied), {
      quality: { gate: { max_dcr_close_share: null } },
    });
    expect(off.verdict.checks.map((c) => c.metric)).not.toContain('dcr_close_share');
    expect(off.verdict.passed).toBe(true);
  });

  it('reports constrained columns apart, flags pass-through identifiers and free text, counts rare categories', async () => {
    const out = await assess(seed, rowsOf(seed), {
      conditions: { categorical: { segment: { a: 1 } } },
      quality: { quasi_identifiers: ['segment', 'region'], rare_category_k: 2 },
    });
    const { fidelity, privacy } = out.report;
    expect(fidelity.constrainedColumns.map((c) => c.column)).toEqual(['segment']);
    expect(fidelity.columns.map((c) => c.column)).not.toContain('segment');
    expect(privacy.passThrough).toEqual([
      expect.objectContaining({
        column: 'customer_id',
        reason: 'identifier_like',
        syntheticValuesFromSeed: 1,
      }),
      expect.objectContaining({ column: 'note', reason: 'free_text' }),
    ]);
    expect(privacy.quasiIdentifierMatch).toMatchObject({ columns: ['segment', 'region'], share: 1 });
    expect(privacy.rareCategories.reproduced).toBeGreaterThan(0);
    // No seed value appears in the report.
    expect(JSON.stringify(out.report)).not.toContain('C1001');
    expect(JSON.stringify(out.report)).not.toContain('called about');
  });

  it('measures the distance change of a shifted column and states the sampling error', async () => {
    const shifted = rowsOf(seed).map((r) => ({ ...r, age: Number(r['age']) + 30 }));
    const out = await assess(seed, shifted);
    const age = out.report.fidelity.columns.find((c) => c.column === 'age')!;
    expect(age.metric).toBe('ks');
    expect(age.distance).toBeGreaterThan(0.4);
    expect(out.report.sampling.ksErrorBound95).toBeGreaterThan(0);
    expect(out.report.fidelity.worstPairs[0]?.change).toBeGreaterThan(0);
  });
});

describe('quality building blocks', () => {
  it('normalises cells across formats', () => {
    expect(toCell('3.0')).toBe(3);
    expect(toCell(3n)).toBe(3);
    expect(toCell(' NA ')).toBeNull();
    expect(toCell('')).toBeNull();
    expect(toCell(true)).toBe('TRUE');
    expect(toCell('false')).toBe('FALSE');
    expect(toCell(-0)).toBe(0);
    // Text and number read the same, whichever way the reader hands a cell over.
    expect(Object.is(toCell('-0'), 0)).toBe(true);
    expect(toCell('1.50')).toBe(toCell(1.5));
    expect(toCell(Number.NaN)).toBeNull();
    expect(toCell('N1A1')).toBe('N1A1');
  });

  it('finds row hashes in a sorted set', () => {
    const hasher = new RowHasher();
    const set = new HashSet();
    for (let i = 0; i < 5000; i++) {
      hasher.reset();
      hasher.add(i);
      hasher.add(`r${i}`);
      set.add(hasher.value());
    }
    hasher.reset();
    hasher.add(42);
    hasher.add('r42');
    expect(set.has(hasher.value())).toBe(true);
    hasher.reset();
    hasher.add(42);
    hasher.add('r43');
    expect(set.has(hasher.value())).toBe(false);
  });

  it('answers membership exactly through its prefix index and presence bitmap', () => {
    const random = seededRandom(3);
    const stored = new Set<number>();
    const set = new HashSet();
    for (let i = 0; i < 20_000; i++) {
      const hash = Math.floor(random() * 2 ** 20) * 2 ** 32 + Math.floor(random() * 2 ** 32);
      stored.add(hash);
      set.add(hash);
    }
    for (const edge of [0, 2 ** 52 - 1]) {
      stored.add(edge);
      set.add(edge);
    }
    for (const hash of stored) expect(set.has(hash)).toBe(true);
    let absentFound = 0;
    for (let i = 0; i < 20_000; i++) {
      const probe = Math.floor(random() * 2 ** 52);
      if (set.has(probe) !== stored.has(probe)) absentFound += 1;
    }
    expect(absentFound).toBe(0);
    // Adding after a lookup rebuilds the index.
    set.add(12345);
    expect(set.has(12345)).toBe(true);
    expect(set.countIn(set)).toBe(stored.size + 1);
  });

  it('draws the same reservoir slots with nextSlot as with offer', () => {
    const a = new Reservoir<number>(10, seededRandom(9));
    const b = new Reservoir<number>(10, seededRandom(9));
    for (let i = 0; i < 1000; i++) {
      a.offer(() => i);
      const slot = b.nextSlot();
      if (slot >= 0) b.items[slot] = i;
    }
    expect(b.items).toEqual(a.items);
    expect(b.offered).toBe(1000);
  });

  it('gives the same report whether numeric cells arrive as numbers or as text', async () => {
    const seed = seedCsv(600);
    const synthetic = [...rowsOf(seed).slice(0, 30), ...freshRows(300)];
    const asNumbers = synthetic.map((r) => ({
      ...r,
      age: Number(r['age']),
      spend: Number(r['spend']),
      customer_id: r['customer_id'],
    }));
    const asText = synthetic.map((r) => ({ ...r, age: String(r['age']), spend: String(r['spend']) }));
    const a = await assess(seed, asNumbers);
    const b = await assess(seed, asText);
    expect(a.report.privacy.exactMatch.matches).toBe(30);
    expect(b).toEqual(a);
  });

  it('computes TVD, KS and Cramér’s V', () => {
    expect(
      tvdOfCounts(
        new Map([
          ['a', 1],
          ['b', 1],
        ]),
        new Map([['a', 2]]),
      ),
    ).toBeCloseTo(0.5);
    const rows = (values: number[]) => values.map((v) => [v]);
    expect(ksStatistic(rows([1, 2, 3, 4]), rows([1, 2, 3, 4]), 0)).toBe(0);
    expect(ksStatistic(rows([1, 2]), rows([3, 4]), 0)).toBe(1);
    expect(ksErrorBound95(10_000, 10_000)).toBeCloseTo(0.0296, 3);
    const bin = (cell: unknown) => String(cell);
    const dependent = Array.from({ length: 100 }, (_, i) => [i % 2, i % 2]);
    expect(cramersV(dependent, 0, 1, bin, bin)).toBeCloseTo(1);
  });

  it('merges file and scenario settings, validates construct gates, reads env JSON', () => {
    expect(
      mergeSections({ gate: { max_dcr_close_share: 0.2 } }, { gate: { max_exact_match_excess: 0 } }),
    ).toEqual({
      gate: { max_dcr_close_share: 0.2, max_exact_match_excess: 0 },
    });
    const settings = resolveSettings({ gate: { max_exact_match_excess: null, max_dcr_close_share: 0.3 } });
    expect(settings.gate).toMatchObject({ maxExactMatchExcess: null, maxDcrCloseShare: 0.3 });
    expect(settings.quasiIdentifiers).toEqual([]);
    expect(gateFromJson(undefined)).toEqual(DEFAULT_SETTINGS.gate);
    expect(gateFromJson('{"max_dcr_close_share":0.2}').maxDcrCloseShare).toBe(0.2);
    expect(gateProblems({ maxExactMatchExcess: 2 })).toEqual([
      expect.stringContaining('quality.gate.maxExactMatchExcess'),
    ]);
  });
});
