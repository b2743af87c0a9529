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

  it('states a finished target-size run off target, its start-ingest failures and the floor at that size', () => {
    const r = results({ scaleSeeds: 200 });
    const base = r.scale!.data;
    const target: ScaleData = {
      ...base,
      seeds: 1000,
      command: 'tsx bench/scale.ts --seeds 1000 --rate 30 --max-seconds 720',
      concurrentInvocations: 32,
      succeededRuns: 998,
      failedRuns: [
        { feed: 'f1', error: 'VendorTerminalError: x', state: 'ResolveScenarios' },
        { feed: 'f2', error: 'VendorTerminalError: x', state: 'ResolveScenarios' },
      ],
      startIngestErrors: [
        { feed: 'f3', error: 'TimeoutError: aborted', execution: 'SUCCEEDED' },
        { feed: 'f4', error: 'TimeoutError: aborted', execution: 'SUCCEEDED' },
        { feed: 'f5', error: 'TimeoutError: aborted', execution: null },
      ],
      landedObjects: 998,
      distinctLandedFeeds: 998,
      wallSeconds: 450,
      acceptedVendorCalls: 9000,
      idealSeconds: 300,
      wallOverIdeal: 1.5,
      rateLimited429s: 900,
      refusedPerAccepted: 0.1,
      awsCalls: 90_000,
    };
    const targetFloor: ScaleData = {
      ...base,
      seeds: 1000,
      floor: true,
      concurrentInvocations: 32,
      command: 'tsx bench/scale.ts --seeds 1000 --rate 30 --floor',
      awsCalls: 56_000,
      awsCallsByOperation: {
        'S3:GetObject': 8_000,
        'DynamoDB:UpdateItem': 16_000,
        'DynamoDB:GetItem': 10_000,
        'Glue:GetTable': 1_000,
      },
      wallSeconds: 420,
      acceptedVendorCalls: 9000,
      rateLimited429s: 0,
    };
    const withExtras: AllResults = {
      ...r,
      scaleExtras: {
        target: envelope('scale-1000', target),
        targetFloor: envelope('scale-floor-1000', targetFloor),
      },
    };
    const [wall, refused] = checkTargets(withExtras).filter((c) => c.target.startsWith('Scale'));
    expect(wall).toMatchObject({ verdict: 'MISSED' });
    expect(wall!.limitedBy).toContain(
      "1000 seeds finished in 450 s, 1.5× the ideal 300 s for 9000 accepted vendor calls, 0.1× refused; 998 runs succeeded, 2 failed (2: `ResolveScenarios: VendorTerminalError: x`), duplicate work 0; moto served the handlers' AWS calls (90000 calls, 90 per run, 200/s).",
    );
    expect(wall!.limitedBy).toContain(
      '3 start-ingest invocations failed (3: `TimeoutError: aborted`); their runs, counted by their executions: 2 succeeded, 1 never started.',
    );
    expect(wall!.limitedBy).toMatch(
      /The local stack alone \(1000 seeds .*took 420 s, 1\.4× the 30\/s ideal for its 9000 calls: .*\(56000 calls, 56 per run \(DynamoDB:UpdateItem 16, DynamoDB:GetItem 10, S3:GetObject 8, …\), 133\/s\).*at most 32 function invocations at once/,
    );
    expect(wall!.limitedBy).toContain("Paced, 1000 seeds took 450 s against the floor's 420 s for 1000");
    expect(wall!.limitedBy).toContain('cannot be measured on a stack whose own floor is above it');
    expect(wall!.limitedBy).toContain(
      "Both runs kept moto busy (200 and 133 calls/s): the paced runs made 90 AWS calls each against the floor's 56",
    );
    expect(wall!.limitedBy).toContain("about 255 s of moto's time for 1000 runs");
    // A floor within the target: the paced run's own cost is what it states, not a floor above it.
    const lowFloor = { ...targetFloor, wallSeconds: 320 };
    const [lowWall] = checkTargets({
      ...withExtras,
      scaleExtras: { ...withExtras.scaleExtras, targetFloor: envelope('scale-floor-1000', lowFloor) },
    }).filter((c) => c.target.startsWith('Scale'));
    expect(lowWall!.limitedBy).not.toContain('cannot be measured');
    expect(lowWall!.limitedBy).toContain('took 320 s, 1.07× the 30/s ideal');
    // Few 429s and a finished run at the target size: that row is met.
    expect(refused).toMatchObject({ verdict: 'met' });
    const md = renderBenchmarks(withExtras);
    expect(md).toContain(
      '| start-ingest invocations failed (their runs counted by execution) | – | 3 (2 of their runs succeeded) | – |',
    );
    expect(md).toContain('at most 32 function invocations at once');
  });
});
