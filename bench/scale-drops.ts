/**
 * What became of each seed drop of the scale benchmark, counted by its ingest execution's outcome.
 * A start-ingest invocation that failed (e.g. timed out after its StartExecution went through)
 * does not make its run a failure: the execution is found by its deterministic name (the one
 * start-ingest gives it: src/pipeline/seed-object.ts) and counted as it ends. Start-ingest's own
 * failures are reported beside, whatever became of their executions.
 */
import type { ExecutionResult, HistoryEvent, SeedDropResult } from '../src/local/runner.ts';
import type { SeedDrop } from '../src/local/lambda-events.ts';
import type { StartIngestOutcome } from '../src/pipeline/start-ingest.ts';
import { ingestExecutionName } from '../src/pipeline/seed-object.ts';

/** What the benchmark needs of the local runner. */
export interface DropRunner {
  runSeedDrop(drop: SeedDrop): Promise<SeedDropResult>;
  /** The execution started under `name`, awaited; null when none was started. */
  startedExecution(name: string): Promise<ExecutionResult | null>;
  /** Whether an execution was started under `name`. */
  hasExecution(name: string): boolean;
}

export interface DropOutcome {
  readonly feed: string;
  /** The execution name start-ingest gives the drop. */
  readonly runId: string;
  /** What start-ingest answered (null when its invocation failed). */
  readonly outcome: StartIngestOutcome | null;
  /** Start-ingest's own failure, e.g. `TimeoutError: …` (null when it answered). */
  readonly startIngestError: string | null;
  /** The drop's ingest execution, however it was found (null: none started). */
  readonly execution: ExecutionResult | null;
}

/** A failed run of the drop: its execution's error and the state that raised it. */
export interface FailedRun {
  readonly feed: string;
  readonly error: string | null;
  /** The Task state whose error ended the run (absent when no execution ran). */
  readonly state?: string | null;
}

/** A start-ingest invocation that failed, and what became of the execution it was to start. */
export interface StartIngestFailure {
  readonly feed: string;
  readonly error: string;
  /** The execution's status (RUNNING: still going when the drop stopped; null: never started). */
  readonly execution: 'SUCCEEDED' | 'FAILED' | 'RUNNING' | null;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A drop whose start-ingest invocation failed while its execution (if any) still runs. */
export interface PendingDrop {
  readonly feed: string;
  readonly runId: string;
  readonly startIngestError: string;
  /** Whether an execution was found under the drop's name. */
  readonly executionFound: boolean;
}

/**
 * Runs one drop through start-ingest and waits for its execution. When the invocation fails, the
 * execution is looked up by its name (it may have been started before the failure) and
 * `onStartIngestError` hears of it at once, before that execution ends.
 */
export async function settleDrop(
  runner: DropRunner,
  drop: SeedDrop,
  feed: string,
  onStartIngestError?: (pending: PendingDrop) => void,
): Promise<DropOutcome> {
  const runId = ingestExecutionName(feed, {
    bucket: drop.bucket,
    key: drop.key,
    versionId: drop.versionId ?? null,
    etag: drop.etag ?? null,
  });
  let result: SeedDropResult;
  try {
    result = await runner.runSeedDrop(drop);
  } catch (err) {
    const startIngestError = describe(err);
    const running = runner.startedExecution(runId);
    onStartIngestError?.({ feed, runId, startIngestError, executionFound: runner.hasExecution(runId) });
    return { feed, runId, outcome: null, startIngestError, execution: await running };
  }
  return {
    feed,
    runId: result.outcome.outcome === 'ignored' ? runId : result.outcome.runId,
    outcome: result.outcome,
    startIngestError: null,
    execution: result.execution,
  };
}

/**
 * A drop whose start-ingest failed before any execution was found: looked up again (the abandoned
 * invocation may have started it later, as a frozen Lambda sandbox would not; counted all the same).
 */
export async function recheckDrop(runner: DropRunner, drop: DropOutcome): Promise<DropOutcome> {
  if (drop.execution || drop.startIngestError === null) return drop;
  const execution = await runner.startedExecution(drop.runId);
  return execution ? { ...drop, execution } : drop;
}

/** The Task state whose error (`error`) ended an execution: the first that failed with it. */
export function failedState(events: readonly HistoryEvent[], error: string | null): string | null {
  for (const event of events) {
    if (event.type !== 'StateFailed' || event['Error'] !== error) continue;
    const state = event['state'] as { name?: unknown; type?: unknown } | undefined;
    if (state?.type === 'Task' && typeof state.name === 'string') return state.name;
  }
  return null;
}

/**
 * The runs' figures from each drop's outcome: a drop still running when the benchmark stopped is
 * `undefined`, or a {@link PendingDrop} when its start-ingest had failed.
 */
export function dropFigures(drops: readonly (DropOutcome | PendingDrop | undefined)[]): {
  succeededRuns: number;
  failedRuns: FailedRun[];
  startIngestErrors: StartIngestFailure[];
  unfinishedRuns: number;
} {
  const failedRuns: FailedRun[] = [];
  const startIngestErrors: StartIngestFailure[] = [];
  let succeededRuns = 0;
  let unfinishedRuns = 0;
  for (const drop of drops) {
    if (!drop || !('execution' in drop)) {
      unfinishedRuns += 1;
      if (drop) {
        const execution = drop.executionFound ? 'RUNNING' : null;
        startIngestErrors.push({ feed: drop.feed, error: drop.startIngestError, execution });
      }
      continue;
    }
    const e = drop.execution;
    if (drop.startIngestError !== null) {
      startIngestErrors.push({ feed: drop.feed, error: drop.startIngestError, execution: e?.status ?? null });
    }
    if (e?.status === 'SUCCEEDED') succeededRuns += 1;
    else if (e) {
      failedRuns.push({
        feed: drop.feed,
        error: `${e.error}: ${e.cause}`,
        state: failedState(e.events, e.error),
      });
    } else if (drop.startIngestError !== null) {
      failedRuns.push({
        feed: drop.feed,
        error: `start-ingest failed, no execution: ${drop.startIngestError}`,
      });
    } else {
      failedRuns.push({ feed: drop.feed, error: `not started: ${JSON.stringify(drop.outcome)}` });
    }
  }
  return { succeededRuns, failedRuns, startIngestErrors, unfinishedRuns };
}
