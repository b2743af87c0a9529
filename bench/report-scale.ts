/**
 * The scale parts of BENCHMARKS.md (issue 16 rows "wall time vs rate-limit ideal, 1,000 seeds at
 * once" and "refused (429) calls vs accepted calls"): their target checks and the scale section.
 * Besides the default-size drop of `npm run bench` (scale.json), they show the runs made by their
 * own commands when present: the target size (scale-1000.json, `npm run bench:scale-1000`) and
 * the local stack alone (scale-floor.json, `tsx bench/scale.ts --floor`).
 */
import type { BenchResult } from './common.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';
import { SCALE_TARGETS, type ScaleData } from './scale.ts';

/** Scale runs made by their own commands, shown beside the default-size run. */
export interface ScaleExtras {
  /** The target size (`SCALE_TARGETS.seeds`). */
  readonly target?: BenchResult<ScaleData> | null;
  /** Neither rate limit nor pacing: the local stack's own time for the default drop. */
  readonly floor?: BenchResult<ScaleData> | null;
  /** The same at the target size (`tsx bench/scale.ts --seeds 1000 --floor`), when measured. */
  readonly targetFloor?: BenchResult<ScaleData> | null;
}

/** How a run made by its own command was measured: command, date, load. */
function provenance(r: BenchResult<ScaleData>): string {
  const load = r.data.loadAverage;
  return (
    `\`${r.data.command ?? 'tsx bench/scale.ts'}\`, ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC` +
    (load ? `, load average ${fmt(load.start, 1)}→${fmt(load.end, 1)} on ${r.machine.cpus} cores` : '')
  );
}

function stoppedNote(d: ScaleData): string {
  return d.stoppedAfterSeconds
    ? ` (stopped after ${d.stoppedAfterSeconds} s with ${d.unfinishedRuns ?? '?'} of ${d.seeds} runs unfinished: figures so far)`
    : '';
}

/** The most common of `kinds`, e.g. ` (140: \`PollTraining: TimeoutError: …\`)`. */
function topKind(kinds: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind.slice(0, 80), (counts.get(kind.slice(0, 80)) ?? 0) + 1);
  const [top] = [...counts].sort((a, b) => b[1] - a[1]);
  return top ? ` (${top[1]}: \`${top[0]}\`)` : '';
}

/** The most common failure of a run's failed drops, with the state that raised it when known. */
function failureKinds(d: ScaleData): string {
  return topKind(d.failedRuns.map((f) => `${f.state ? `${f.state}: ` : ''}${f.error ?? 'unknown'}`));
}

/**
 * Start-ingest invocations that failed, and what became of their runs (each counted by its
 * execution), e.g. `12 start-ingest invocations failed (12: \`TimeoutError: …\`); their runs: 10
 * succeeded, 2 still running.`
 */
function startIngestNote(d: ScaleData): string {
  const errors = d.startIngestErrors ?? [];
  if (errors.length === 0) return '';
  const byOutcome = new Map<string, number>();
  for (const e of errors) {
    const outcome = {
      SUCCEEDED: 'succeeded',
      FAILED: 'failed',
      RUNNING: 'still running',
      none: 'never started',
    }[e.execution ?? 'none'];
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }
  const outcomes = [...byOutcome].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  return (
    ` ${errors.length} start-ingest invocations failed${topKind(errors.map((e) => e.error))}; ` +
    `their runs, counted by their executions: ${outcomes}.`
  );
}

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

/**
 * The handlers' AWS calls of a run, e.g. `56100 calls, 56.1 per run (DynamoDB:UpdateItem 16, …),
 * 120/s` with the three most made operations per run when counted ('' when calls were not counted).
 */
function awsCallsNote(d: ScaleData): string {
  if (d.awsCalls === undefined || d.wallSeconds <= 0) return '';
  const top = Object.entries(d.awsCallsByOperation ?? {})
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([operation, n]) => `${operation} ${fmt(n / d.seeds, 1)}`);
  return (
    `${d.awsCalls} calls, ${fmt(d.awsCalls / d.seeds, 1)} per run` +
    (top.length > 0 ? ` (${top.join(', ')}, …)` : '') +
    `, ${fmt(d.awsCalls / d.wallSeconds, 0)}/s`
  );
}

/** How the target-size run went, when it stopped early or finished off target. */
function targetNote(target: ScaleData): string {
  if (target.stoppedAfterSeconds) {
    return (
      `${target.seeds} seeds did not finish here: stopped after ${target.stoppedAfterSeconds} s with ${target.succeededRuns} runs succeeded, ` +
      `${target.failedRuns.length} failed${failureKinds(target)}, ${target.unfinishedRuns ?? 0} still running, ` +
      `and ${target.acceptedVendorCalls} vendor calls accepted (${fmt(target.acceptedVendorCalls / target.stoppedAfterSeconds, 1)}/s ` +
      `against a ${target.ratePerSecond}/s limit)` +
      (target.awsCalls !== undefined
        ? `; moto served the handlers' AWS calls (${awsCallsNote(target)})`
        : '') +
      `.${startIngestNote(target)}`
    );
  }
  return (
    `${target.seeds} seeds finished in ${fmt(target.wallSeconds, 1)} s, ${fmt(target.wallOverIdeal)}× the ideal ${fmt(target.idealSeconds, 1)} s ` +
    `for ${target.acceptedVendorCalls} accepted vendor calls, ${fmt(refusedPerAccepted(target))}× refused; ${target.succeededRuns} runs succeeded` +
    (target.failedRuns.length > 0 ? `, ${target.failedRuns.length} failed${failureKinds(target)}` : '') +
    `, duplicate work ${target.duplicateWork}` +
    (target.awsCalls !== undefined ? `; moto served the handlers' AWS calls (${awsCallsNote(target)})` : '') +
    `.${startIngestNote(target)}`
  );
}

/** What the local stack alone took for a drop of the judged size (or the default floor's). */
function floorNote(floorResult: BenchResult<ScaleData>, ratePerSecond: number): string {
  const floor = floorResult.data;
  const floorIdeal = floor.acceptedVendorCalls / ratePerSecond;
  return (
    `The local stack alone (${floor.seeds} seeds with neither rate limit nor pacing, ${provenance(floorResult)}${stoppedNote(floor)}) took ` +
    `${fmt(floor.wallSeconds, 1)} s, ${fmt(floor.wallSeconds / floorIdeal)}× the ${ratePerSecond}/s ideal for its ${floor.acceptedVendorCalls} calls` +
    (floor.failedRuns.length > 0 ? `; ${floor.failedRuns.length} runs failed${failureKinds(floor)}` : '') +
    `: one moto process serves every S3, DynamoDB, Glue and EventBridge call (${awsCallsNote(floor) || 'about 60 per run'}) and one Node runs the runner, ` +
    `the handlers and the simulator` +
    (floor.concurrentInvocations
      ? ` (at most ${floor.concurrentInvocations} function invocations at once)`
      : '') +
    `, on ${floorResult.machine.cpus} cores shared with other work.` +
    (floor.wallSeconds / floorIdeal > SCALE_TARGETS.maxWallOverIdeal
      ? ` A wall time within ${SCALE_TARGETS.maxWallOverIdeal}× of the ideal cannot be measured on a stack whose own floor is above it.`
      : '')
  );
}

/**
 * What the paced run's AWS calls cost on this stack beside the floor's, when both were counted:
 * moto serves them one at a time, so calls the pacing adds (its conditional takes, a step's re-run
 * after its wait) are wall time here, where DynamoDB on AWS serves them in parallel.
 */
function pacedCallsNote(paced: ScaleData, floor: ScaleData): string {
  if (paced.awsCalls === undefined || floor.awsCalls === undefined || floor.wallSeconds <= 0) return '';
  const pacedPerRun = paced.awsCalls / paced.seeds;
  const floorPerRun = floor.awsCalls / floor.seeds;
  const floorRate = floor.awsCalls / floor.wallSeconds;
  const pacedRate = paced.awsCalls / Math.max(1, paced.wallSeconds);
  const extraSeconds = ((pacedPerRun - floorPerRun) * paced.seeds) / floorRate;
  return (
    `Both runs kept moto busy (${fmt(pacedRate, 0)} and ${fmt(floorRate, 0)} calls/s): the paced runs made ` +
    `${fmt(pacedPerRun, 1)} AWS calls each against the floor's ${fmt(floorPerRun, 1)} (the pacing's conditional ` +
    `takes and the steps' re-runs after their waits), about ${fmt(extraSeconds, 0)} s of moto's time for ${paced.seeds} runs; ` +
    `the pacing's own rate, ${paced.pacing ? `${paced.pacing.requestsPerSecond}/s for a ${paced.ratePerSecond}/s limit` : 'off'}, ` +
    `adds ${fmt(paced.pacing ? paced.ratePerSecond / paced.pacing.requestsPerSecond : 1)}×. On AWS each invocation and ` +
    `DynamoDB request runs in parallel; here one moto serves them in turn.`
  );
}

/** What limits a missed scale row, from what was measured (the target-size run when there is one). */
function scaleLimits(d: ScaleData, extras: ScaleExtras): string {
  const parts: string[] = [];
  const target = extras.target?.data;
  const judged = target ?? d;
  if (d.seeds < SCALE_TARGETS.seeds && !target) {
    parts.push(`Measured at ${d.seeds} seeds, not ${SCALE_TARGETS.seeds}.`);
  }
  if (target) parts.push(targetNote(target));
  if (!judged.pacing) parts.push('Measured before the shared pacing: throttled runs retried in lockstep.');
  // The floor of the judged size when measured, else the default size's.
  const floorResult =
    extras.targetFloor && extras.targetFloor.data.seeds === judged.seeds ? extras.targetFloor : extras.floor;
  const floor = floorResult?.data;
  if (floorResult && floor && floor.acceptedVendorCalls > 0) {
    parts.push(floorNote(floorResult, judged.ratePerSecond));
    if (judged.pacing && floor.seeds === judged.seeds) parts.push(pacedCallsNote(judged, floor));
  }
  if (
    judged.pacing &&
    !judged.stoppedAfterSeconds &&
    (judged.wallOverIdeal ?? 0) > SCALE_TARGETS.maxWallOverIdeal
  ) {
    parts.push(
      `With the shared pacing the vendor refused ${fmt(refusedPerAccepted(judged))}× the accepted calls, so its limit is not what stretches the wall time. ` +
        'A step the pacing refuses reserves its slot and waits for it in a Step Functions Wait, then sends on it without competing again ' +
        '(src/client/pacing-reservation.ts), so the bucket does not idle while callers wait.' +
        (floor
          ? ` Paced, ${judged.seeds} seeds took ${fmt(judged.wallSeconds, 1)} s against the floor's ${fmt(floor.wallSeconds, 1)} s for ${floor.seeds} (the runs were made at different times on a shared machine).`
          : ''),
    );
  }
  if (d.failedRuns.length > 0 && d !== target) {
    parts.push(
      `${d.failedRuns.length} runs failed (first: ${(d.failedRuns[0]?.error ?? '').slice(0, 200)}).`,
    );
  }
  return parts.join(' ');
}

export function scaleChecks(d: ScaleData | undefined, extras: ScaleExtras = {}): TargetCheck[] {
  // The rows are judged on the target-size run when there is one, shown beside this run's figure.
  const target = extras.target?.data;
  const judged = target ?? d;
  const t = judged?.targets ?? SCALE_TARGETS;
  const exactlyOnce = judged
    ? judged.succeededRuns === judged.seeds &&
      judged.landedObjects === judged.seeds &&
      judged.distinctLandedFeeds === judged.seeds &&
      judged.duplicateWork === 0
    : null;
  const wallMet =
    judged && exactlyOnce !== null
      ? exactlyOnce && judged.seeds >= t.seeds && (judged.wallOverIdeal ?? Infinity) <= t.maxWallOverIdeal
      : null;
  const refused = judged ? refusedPerAccepted(judged) : null;
  // A drop stopped before its end did not show the ratio at that scale, however low it was so far.
  const refusedMet =
    judged && refused !== null
      ? judged.seeds >= t.seeds && !judged.stoppedAfterSeconds && refused <= t.maxRefusedPerAccepted
      : null;
  const beside = target && d ? `; this run, ${d.seeds} seeds: ` : null;
  const limits = judged ? scaleLimits(d ?? judged, extras) : null;
  return [
    {
      target: `Scale: ${t.seeds} seeds dropped at once all land exactly once, duplicate vendor work 0, wall time ≤ ${t.maxWallOverIdeal}× the rate limit's ideal`,
      measured: judged
        ? `${fmt(judged.wallOverIdeal)}× the ideal${stoppedNote(judged)}; ${runsLine(judged)}` +
          (beside && d ? `${beside}${fmt(d.wallOverIdeal)}× the ideal, ${runsLine(d)}` : '')
        : '–',
      verdict: verdict(wallMet),
      limitedBy: wallMet === false ? limits : null,
    },
    {
      target: `Scale: refused (429) calls ≤ ${t.maxRefusedPerAccepted}× the accepted calls at ${t.seeds} seeds`,
      measured: judged
        ? `${fmt(refused)}× (${judged.rateLimited429s} refused, ${judged.acceptedVendorCalls} accepted, ${judged.seeds} seeds${stoppedNote(judged)})` +
          (beside && d ? `${beside}${fmt(refusedPerAccepted(d))}×` : '')
        : '–',
      verdict: verdict(refusedMet),
      limitedBy: refusedMet === false ? limits : null,
    },
  ];
}

/** Start-ingest failures of a run and how many of their runs succeeded anyway. */
function startIngestCell(d: ScaleData): string {
  const errors = d.startIngestErrors;
  if (!errors) return '–';
  if (errors.length === 0) return '0';
  return `${errors.length} (${errors.filter((e) => e.execution === 'SUCCEEDED').length} of their runs succeeded)`;
}

/** One column of the scale table: a run's figures. */
function figures(d: ScaleData): string[] {
  return [
    `${d.succeededRuns} / ${d.seeds}` + (d.unfinishedRuns ? ` (${d.unfinishedRuns} unfinished)` : ''),
    startIngestCell(d),
    `${d.landedObjects} (${d.distinctLandedFeeds})`,
    `${d.trainings} / ${d.generationsExecuted}`,
    String(d.duplicateWork),
    `${fmt(d.wallSeconds, 1)} s` + (d.stoppedAfterSeconds ? ' (stopped)' : ''),
    d.floor
      ? `${d.acceptedVendorCalls} calls (no limit)`
      : `${fmt(d.idealSeconds, 1)} s (${d.acceptedVendorCalls} calls)`,
    d.floor
      ? `${fmt(d.wallSeconds / (d.acceptedVendorCalls / d.ratePerSecond))}× the ${d.ratePerSecond}/s ideal`
      : `${fmt(d.wallOverIdeal)}×`,
    d.floor ? '– (no limit)' : `${fmt(refusedPerAccepted(d))}× (${d.rateLimited429s} refused)`,
    fmt(d.stateRetriesPerRun),
    String(d.maxStateTransitionsPerRun),
    d.peakRssMiB === undefined ? '–' : `${d.peakRssMiB} MiB`,
    d.loadAverage ? `${fmt(d.loadAverage.start, 1)} → ${fmt(d.loadAverage.end, 1)}` : '–',
  ];
}

const FIGURE_NAMES = [
  'runs succeeded',
  'start-ingest invocations failed (their runs counted by execution)',
  'objects landed (distinct feeds)',
  'trainings / generations executed by the vendor',
  'duplicate vendor work',
  'wall time',
  'ideal at the rate limit (accepted calls / rate)',
  'wall / ideal',
  'refused (429) / accepted calls',
  'Step Functions retries per run',
  'max state transitions of a run',
  'peak RSS of the benchmark process',
  '1-minute load average, start → end',
];

export function scaleSection(r: BenchResult<ScaleData> | null, extras: ScaleExtras = {}): string {
  if (!r) return '## 4. Scale\n\nNot measured in this run.\n';
  const d = r.data;
  const columns: { head: string; data: ScaleData }[] = [{ head: `this run (${d.seeds} seeds)`, data: d }];
  const notes: string[] = [];
  for (const [extra, head] of [
    [extras.target, 'target size, own command'],
    [extras.floor, 'local floor: no limit, no pacing'],
    [extras.targetFloor, 'local floor at the target size'],
  ] as const) {
    if (!extra) continue;
    columns.push({ head: `${head} (${extra.data.seeds} seeds)`, data: extra.data });
    notes.push(`${head}: ${provenance(extra)}${stoppedNote(extra.data)}.`);
  }
  const cells = columns.map((c) => figures(c.data));
  return [
    '## 4. Scale',
    '',
    `${d.seeds} seed files (one per feed, distinct bytes, one 20-row CSV scenario each) dropped at once through the real start-ingest handler; ` +
      `the simulator answers 429 with Retry-After beyond ${d.ratePerSecond} requests in any second (all routes together). ` +
      (d.pacing
        ? `The deployment's shared pacing is on, set a little below that limit (VENDOR_REQUESTS_PER_SECOND ${d.pacing.requestsPerSecond}, ` +
          `VENDOR_REQUEST_BURST ${d.pacing.burst}); a step it refuses reserves its slot and waits for it in real time (the runner's realVendorWaits), ` +
          `the poll schedule runs 5× faster. `
        : 'Measured without the shared pacing. ') +
      `The local runner replaces the ASL's retry backoff (5 attempts from 5 s, ×2, full jitter: ≈ 77 s expected in total) with a fixed ` +
      `${d.retryIntervalMs / 1000} s per attempt (the same total).` +
      (d.concurrentInvocations
        ? ` The local host runs at most ${d.concurrentInvocations} function invocations at once (each one's timeout starts when it runs; ` +
          'on AWS every invocation has its own sandbox, here all share one Node process and one moto).'
        : '') +
      (notes.length > 0 ? ` Beside this run, measured by their own commands: ${notes.join(' ')}` : ''),
    '',
    table(
      ['figure', ...columns.map((c) => c.head)],
      FIGURE_NAMES.map((name, row) => [name, ...cells.map((column) => column[row] ?? '–')]),
    ),
    d.failedRuns.length > 0
      ? `\nFailed runs (first 3): ${d.failedRuns
          .slice(0, 3)
          .map((f) => `\`${f.feed}\`: ${(f.error ?? '').slice(0, 200)}`)
          .join('; ')}`
      : '',
  ].join('\n');
}
