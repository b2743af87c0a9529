import { describe, expect, it } from 'vitest';
import type { BundleFigures } from '../../../bench/cold-start.ts';
import { checkTargets, type AllResults } from '../../../bench/report.ts';
import { results } from '../../support/bench-results.ts';

/** `r` with every cold-start bundle's figures changed by `change`. */
function withBundles(r: AllResults, change: (b: BundleFigures) => BundleFigures): AllResults {
  const coldStart = r.coldStart!;
  return {
    ...r,
    coldStart: { ...coldStart, data: { ...coldStart.data, bundles: coldStart.data.bundles.map(change) } },
  };
}

describe('cold-start and landing targets (issue 16)', () => {
  it('misses the bundle targets plainly, naming the S3 client floor, and the load target', () => {
    const r = results();
    const checks = checkTargets(withBundles(r, (b) => ({ ...b, bytes: b.bytes * 4, loadRatio: 12 })));
    const missed = checks.filter((c) => c.verdict === 'MISSED').map((c) => c.target);
    expect(missed).toEqual([
      'Bundle size per function <= 300 KiB (LandArtifact apart)',
      'LandArtifact bundle <= 450 KiB',
      'Module load <= 8× a trivial bundle',
    ]);
    expect(checks.find((c) => c.target.startsWith('Bundle size'))?.limitedBy).toMatch(
      /S3 client alone .* 419 KiB/,
    );
  });

  it('states where a missed load goes: built-ins, compiling, module-level code, and what source maps would add', () => {
    // 100 ms load, 10 ms trivial: 40 ms built-ins alone, 30 ms compiling; 130 ms with source maps.
    const measured = withBundles(results(), (b) => ({
      ...b,
      loadMsMedian: 100,
      trivialLoadMsMedian: 10,
      loadRatio: 10,
      builtinsLoadMsMedian: 40,
      compileMsMedian: 30,
      sourceMapsLoadMsMedian: 130,
    }));
    const load = checkTargets(measured).find((c) => c.target.startsWith('Module load'));
    expect(load?.verdict).toBe('MISSED');
    expect(load?.limitedBy).toContain('take 40 (40) % of the load, 4 (4)× the trivial load');
    expect(load?.limitedBy).toContain('not run) 30 (30) %, 3 (3)×');
    expect(load?.limitedBy).toContain('and linking, the remaining 30 (30) %');
    expect(load?.limitedBy).toContain('30 ms more (median; 13 (13)× the trivial load)');
  });

  it('judges landing throughput on the deployed (worker) cases and compares the inline one', () => {
    const r = results({ ratio: 0.85 });
    const cases = [
      ...r.landing!.data.cases.map((c) => ({ ...c, scanThread: 'worker' as const })),
      { ...r.landing!.data.cases[0]!, scanThread: 'inline' as const, ratioOfSlowestLimit: 0.1 },
    ];
    const checks = checkTargets({ ...r, landing: { ...r.landing!, data: { ...r.landing!.data, cases } } });
    expect(checks.find((c) => c.target.startsWith('Landing throughput'))?.verdict).toBe('met');
  });
});
