/**
 * The scale parts of BENCHMARKS.md (issue 16 rows "wall time vs rate-limit ideal, 1,000 seeds at
 * once" and "refused (429) calls vs accepted calls"): their target checks and the scale section.
 */
import type { BenchResult } from './common.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';
import { SCALE_TARGETS, type ScaleData } from './scale.ts';

function refusedPerAccepted(d: ScaleData): number {
  return d.refusedPerAccepted ?? d.rateLimited429s / Math.max(1, d.acceptedVendorCalls);
}

function runsLine(d: ScaleData): string {
  return (
    `${d.succeededRuns}/${d.seeds} runs succeeded, ${d.landedObjects} objects, duplicate work ${d.duplicateWork}` +
    (d.pacing
      ? `, pacing ${d.pacing.requestsPerSecond}/s burst ${d.pacing.burst} for a ${d.ratePerSecond}/s limit`
      : ', no pacing')
  );
}

/** What limits a missed scale row, from what was measured. */
function scaleLimits(d: ScaleData): string {
  const parts: string[] = [];
  if (d.seeds < SCALE_TARGETS.seeds) {
    parts.push(`Measured at ${d.seeds} seeds, not ${SCALE_TARGETS.seeds}.`);
  }
  if (!d.pacing) parts.push('Measured before the shared pacing: throttled runs retried in lockstep.');
  if (d.pacing && (d.wallOverIdeal ?? 0) > SCALE_TARGETS.maxWallOverIdeal) {
    parts.push(
      `With the shared pacing the vendor refused ${fmt(refusedPerAccepted(d))}× the accepted calls, so its limit is not what stretches the wall time. ` +
        'Two things do: the local stack (one moto process and one Node for the runner, handlers and simulator, on the same 2 cores) and the pacing itself, ' +
        'where a step refused a slot waits outside in a Step Functions Wait without holding one, so the bucket can idle while callers wait. ' +
        'Reserving the slot and carrying it through the Wait is the next step; the local share is not separated from it here.',
    );
  }
  if (d.failedRuns.length > 0) {
    parts.push(
      `${d.failedRuns.length} runs failed (first: ${(d.failedRuns[0]?.error ?? '').slice(0, 200)}).`,
    );
  }
  return parts.join(' ');
}

export function scaleChecks(d: ScaleData | undefined): TargetCheck[] {
  const t = d?.targets ?? SCALE_TARGETS;
  const exactlyOnce = d
    ? d.succeededRuns === d.seeds &&
      d.landedObjects === d.seeds &&
      d.distinctLandedFeeds === d.seeds &&
      d.duplicateWork === 0
    : null;
  const wallMet =
    d && exactlyOnce !== null
      ? exactlyOnce && d.seeds >= t.seeds && (d.wallOverIdeal ?? Infinity) <= t.maxWallOverIdeal
      : null;
  const refused = d ? refusedPerAccepted(d) : null;
  const refusedMet = d && refused !== null ? d.seeds >= t.seeds && refused <= t.maxRefusedPerAccepted : null;
  return [
    {
      target: `Scale: ${t.seeds} seeds dropped at once all land exactly once, duplicate vendor work 0, wall time ≤ ${t.maxWallOverIdeal}× the rate limit's ideal`,
      measured: d ? `${fmt(d.wallOverIdeal)}× the ideal; ${runsLine(d)}` : '–',
      verdict: verdict(wallMet),
      limitedBy: d && wallMet === false ? scaleLimits(d) : null,
    },
    {
      target: `Scale: refused (429) calls ≤ ${t.maxRefusedPerAccepted}× the accepted calls at ${t.seeds} seeds`,
      measured: d
        ? `${fmt(refused)}× (${d.rateLimited429s} refused, ${d.acceptedVendorCalls} accepted, ${d.seeds} seeds)`
        : '–',
      verdict: verdict(refusedMet),
      limitedBy: d && refusedMet === false ? scaleLimits(d) : null,
    },
  ];
}

export function scaleSection(r: BenchResult<ScaleData> | null): string {
  if (!r) return '## 4. Scale\n\nNot measured in this run.\n';
  const d = r.data;
  return [
    '## 4. Scale',
    '',
    `${d.seeds} seed files (one per feed, distinct bytes, one 20-row CSV scenario each) dropped at once through the real start-ingest handler; ` +
      `the simulator answers 429 with Retry-After beyond ${d.ratePerSecond} requests in any second (all routes together). ` +
      (d.pacing
        ? `The deployment's shared pacing is on, set a little below that limit (VENDOR_REQUESTS_PER_SECOND ${d.pacing.requestsPerSecond}, ` +
          `VENDOR_REQUEST_BURST ${d.pacing.burst}); runs refused by it or by a Retry-After wait in real time (the runner's realVendorWaits), ` +
          `the poll schedule runs 5× faster. `
        : 'Measured without the shared pacing. ') +
      `The local runner replaces the ASL's retry backoff (5 attempts from 5 s, ×2, full jitter: ≈ 77 s expected in total) with a fixed ` +
      `${d.retryIntervalMs / 1000} s per attempt (the same total).`,
    '',
    table(
      ['figure', 'value'],
      [
        ['runs succeeded', `${d.succeededRuns} / ${d.seeds}`],
        ['objects landed (distinct feeds)', `${d.landedObjects} (${d.distinctLandedFeeds})`],
        ['trainings / generations executed by the vendor', `${d.trainings} / ${d.generationsExecuted}`],
        ['duplicate vendor work', d.duplicateWork],
        ['wall time', `${fmt(d.wallSeconds, 1)} s`],
        [
          'ideal at the rate limit (accepted calls / rate)',
          `${fmt(d.idealSeconds, 1)} s (${d.acceptedVendorCalls} calls)`,
        ],
        ['wall / ideal', `${fmt(d.wallOverIdeal)}×`],
        ['refused (429) / accepted calls', `${fmt(refusedPerAccepted(d))}× (${d.rateLimited429s} refused)`],
        ['Step Functions retries per run', fmt(d.stateRetriesPerRun)],
        ['max state transitions of a run', d.maxStateTransitionsPerRun],
        ['peak RSS of the benchmark process', d.peakRssMiB === undefined ? '–' : `${d.peakRssMiB} MiB`],
      ],
    ),
    d.failedRuns.length > 0
      ? `\nFailed runs (first 3): ${d.failedRuns
          .slice(0, 3)
          .map((f) => `\`${f.feed}\`: ${(f.error ?? '').slice(0, 200)}`)
          .join('; ')}`
      : '',
  ].join('\n');
}
