/**
 * What the quality report keeps while it profiles an artifact does not grow with the artifact:
 * fixed-size row samples, category counts capped at MAX_TRACKED_LEVELS per column, no row hashes
 * of the artifact. Profiling 10× the rows must leave the same kept state, counted both by its
 * parts and by the heap it retains after a full garbage collection.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  MAX_TRACKED_LEVELS,
  SeedProfiler,
  SyntheticProfiler,
  type ProfileOptions,
} from '../../../src/quality/profile.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const NAMES = ['id', 'segment', 'note', 'age', 'spend'];
const BATCH_ROWS = 4096;
const OPTIONS: ProfileOptions = { quasiIdentifiers: [0, 3], sampleRows: 2000, randomSeed: 11 };

/**
 * Rows `from..from+count` as CSV batches hand them over: a unique text id (high cardinality), a
 * categorical, free text with unique words, an integer and an amount with many distinct values.
 */
function feed(
  visit: (columns: Record<string, unknown[]>, rows: number) => void,
  from: number,
  count: number,
) {
  for (let start = from; start < from + count; start += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, from + count - start);
    const columns: Record<string, unknown[]> = Object.fromEntries(NAMES.map((n) => [n, new Array(rows)]));
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      columns['id']![r] = `g${i}`;
      columns['segment']![r] = ['a', 'b', 'c'][i % 3];
      columns['note']![r] = `order ${i} called ${i % 7} times`;
      columns['age']![r] = 18 + (i % 60);
      columns['spend']![r] = (i * 37) % 100_003;
    }
    visit(columns, rows);
  }
}

/** The kept state's parts, counted: sampled cells, counted levels, kept hashes. */
function keptParts(synthetic: SyntheticProfiler) {
  const profile = synthetic.profile;
  return {
    sampledRows: profile.sample.items.length,
    sampledCells: profile.sample.items.reduce((n, row) => n + row.length, 0),
    countedLevels: profile.stats.map((s) => s.counts.size),
    keptHashes: profile.hashes.length + profile.qiHashes.length,
  };
}

/** Heap and buffer memory (typed arrays' stores are outside the heap) live after a full GC. */
function retainedMemory(): number {
  collectGarbage();
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

describe('the quality report profiling an artifact', () => {
  const seed = new SeedProfiler(NAMES, OPTIONS);
  feed((columns, rows) => seed.visitBatch(columns, rows), 1_000_000, 20_000);

  it('keeps the same state for 10× the rows: samples full, counts capped, no artifact hashes', () => {
    const synthetic = new SyntheticProfiler(NAMES, seed, OPTIONS);
    feed((columns, rows) => synthetic.visitBatch(columns, rows), 0, 20_000);
    const afterN = keptParts(synthetic);
    feed((columns, rows) => synthetic.visitBatch(columns, rows), 20_000, 180_000);
    expect(synthetic.profile.rows).toBe(200_000);
    expect(keptParts(synthetic)).toEqual(afterN);
    expect(afterN.sampledRows).toBe(OPTIONS.sampleRows);
    expect(afterN.keptHashes).toBe(0);
    // id, note, spend are past the cap; segment and age are counted exactly.
    expect(afterN.countedLevels).toEqual([MAX_TRACKED_LEVELS, 3, MAX_TRACKED_LEVELS, 60, MAX_TRACKED_LEVELS]);
  });

  it('retains no more memory after 10× the rows', () => {
    const synthetic = new SyntheticProfiler(NAMES, seed, OPTIONS);
    feed((columns, rows) => synthetic.visitBatch(columns, rows), 0, 20_000);
    const afterN = retainedMemory();
    feed((columns, rows) => synthetic.visitBatch(columns, rows), 20_000, 180_000);
    const after10N = retainedMemory();
    // 180,000 more rows: 8 bytes each kept would be 1.4 MiB, a string per row far more.
    expect(after10N - afterN).toBeLessThan(512 * 1024);
    expect(synthetic.matchesSeed).toBe(0);
  });
});
