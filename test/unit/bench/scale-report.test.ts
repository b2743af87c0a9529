import { describe, expect, it } from 'vitest';
import { checkTargets, renderBenchmarks, type AllResults } from '../../../bench/report.ts';
import type { ScaleData } from '../../../bench/scale.ts';
import { envelope, results } from '../../support/bench-results.ts';

describe('BENCHMARKS.md scale rows', () => {
  it('judges the scale rows on the target-size run beside this run, and states the local floor', () => {
    const r = results({ scaleSeeds: 200 });
    const base = r.scale!.data;
    const target: ScaleData = {
      ...base,
      seeds: 1000,
      command: 'tsx bench/scale.ts --seeds 1000 --rate 30 --max-seconds 480',
      loadAverage: { start: 9.1, end: 10.4 },
      stoppedAfterSeconds: 480,
      unfinishedRuns: 640,
      succeededRuns: 300,
      failedRuns: Array.from({ length: 60 }, (_, i) => ({ feed: `f${i}`, error: 'TimeoutError: aborted' })),
      landedObjects: 360,
      distinctLandedFeeds: 360,
      wallSeconds: 480,
      acceptedVendorCalls: 4000,
      idealSeconds: 133.3,
      wallOverIdeal: 3.6,
      rateLimited429s: 40,
      refusedPerAccepted: 0.01,
    };
    const floor: ScaleData = {
      ...base,
      floor: true,
      command: 'tsx bench/scale.ts --seeds 200 --rate 30 --floor',
      loadAverage: { start: 7.9, end: 10.5 },
      wallSeconds: 180,
      acceptedVendorCalls: 1800,
      succeededRuns: 51,
      failedRuns: Array.from({ length: 149 }, (_, i) => ({
        feed: `f${i}`,
        error: 'start-ingest failed: aborted',
      })),
      rateLimited429s: 0,
    };
    const withExtras: AllResults = {
      ...r,
      scaleExtras: { target: envelope('scale-1000', target), floor: envelope('scale-floor', floor) },
    };
    const [wall, refused] = checkTargets(withExtras).filter((c) => c.target.startsWith('Scale'));
    expect(wall).toMatchObject({ verdict: 'MISSED' });
    expect(wall!.measured).toMatch(/^3\.6× the ideal \(stopped after 480 s with 640 of 1000 runs unfinished/);
    expect(wall!.measured).toContain('this run, 200 seeds: 1.1× the ideal');
    expect(wall!.limitedBy).toContain(
      '1000 seeds did not finish here: stopped after 480 s with 300 runs succeeded, 60 failed (60: `TimeoutError: aborted`), 640 still running, and 4000 vendor calls accepted (8.3/s against a 30/s limit)',
    );
    expect(wall!.limitedBy).toMatch(
      /The local stack alone \(200 seeds .*took 180 s, 3× the 30\/s ideal for its 1800 calls; 149 runs failed \(149: `start-ingest failed/,
    );
    expect(wall!.limitedBy).not.toContain('Measured at 200 seeds');
    // Few 429s, but the target-size run did not finish: not met.
    expect(refused).toMatchObject({ verdict: 'MISSED' });
    const md = renderBenchmarks(withExtras);
    expect(md).toContain(
      '| figure | this run (200 seeds) | target size, own command (1000 seeds) | local floor: no limit, no pacing (200 seeds) |',
    );
    expect(md).toContain(
      '`tsx bench/scale.ts --seeds 1000 --rate 30 --max-seconds 480`, 2026-01-02 03:04 UTC, load average 9.1→10.4',
    );
    expect(md).toContain('| wall / ideal | 1.1× | 3.6× | 3× the 30/s ideal |');
  });
});
