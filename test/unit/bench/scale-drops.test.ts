import { describe, expect, it } from 'vitest';
import {
  dropFigures,
  recheckDrop,
  settleDrop,
  type DropRunner,
  type PendingDrop,
} from '../../../bench/scale-drops.ts';
import type { ExecutionResult, SeedDropResult } from '../../../src/local/runner.ts';
import { ingestExecutionName } from '../../../src/pipeline/seed-object.ts';

const drop = { bucket: 'seeds', key: 'seeds/scale-0001/seed.csv', size: 10, etag: '"e1"', versionId: 'v1' };
const runId = ingestExecutionName('scale-0001', { ...drop });

function execution(status: 'SUCCEEDED' | 'FAILED', failedState?: string): ExecutionResult {
  return {
    name: runId,
    status,
    error: status === 'FAILED' ? 'VendorTerminalError' : null,
    cause: status === 'FAILED' ? '{"message":"bad"}' : null,
    events: failedState
      ? [
          { type: 'StateFailed', timestamp: 1, state: { name: 'Choose', type: 'Choice' }, Error: 'X' },
          {
            type: 'StateFailed',
            timestamp: 2,
            state: { name: failedState, type: 'Task' },
            Error: 'VendorTerminalError',
          },
        ]
      : [],
  } as unknown as ExecutionResult;
}

/** A runner whose start-ingest fails (after starting, or not, the drop's execution). */
function runner(options: {
  answer?: SeedDropResult;
  fails?: Error;
  started?: ExecutionResult | null;
}): DropRunner & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    runSeedDrop: () => (options.fails ? Promise.reject(options.fails) : Promise.resolve(options.answer!)),
    startedExecution: (name) => {
      lookups.push(name);
      return Promise.resolve(name === runId ? (options.started ?? null) : null);
    },
    hasExecution: (name) => name === runId && Boolean(options.started),
  };
}

describe('scale drops counted by their execution', () => {
  it('counts a drop whose start-ingest timed out by the execution it had started, and reports the error beside', async () => {
    const timeout = Object.assign(new Error('[AbortError]: The operation was aborted.'), {
      name: 'TimeoutError',
    });
    const pending: PendingDrop[] = [];
    const r = runner({ fails: timeout, started: execution('SUCCEEDED') });
    const outcome = await settleDrop(r, drop, 'scale-0001', (p) => pending.push(p));
    expect(r.lookups).toEqual([runId]);
    expect(pending).toEqual([
      {
        feed: 'scale-0001',
        runId,
        startIngestError: 'TimeoutError: [AbortError]: The operation was aborted.',
        executionFound: true,
      },
    ]);
    const figures = dropFigures([outcome]);
    expect(figures.succeededRuns).toBe(1);
    expect(figures.failedRuns).toEqual([]);
    expect(figures.startIngestErrors).toEqual([
      {
        feed: 'scale-0001',
        error: 'TimeoutError: [AbortError]: The operation was aborted.',
        execution: 'SUCCEEDED',
      },
    ]);
  });

  it('counts a failed execution with the Task state that raised its error', async () => {
    const r = runner({
      answer: {
        outcome: { outcome: 'started', runId, executionArn: 'arn' },
        execution: execution('FAILED', 'ResolveScenarios'),
      },
    });
    const figures = dropFigures([await settleDrop(r, drop, 'scale-0001')]);
    expect(figures.failedRuns).toEqual([
      { feed: 'scale-0001', error: 'VendorTerminalError: {"message":"bad"}', state: 'ResolveScenarios' },
    ]);
    expect(figures.startIngestErrors).toEqual([]);
  });

  it('fails a drop that started no execution, finds one started later, and counts unfinished ones', async () => {
    const r = runner({ fails: new Error('boom') });
    const lost = await settleDrop(r, drop, 'scale-0001');
    expect(dropFigures([lost]).failedRuns).toEqual([
      { feed: 'scale-0001', error: 'start-ingest failed, no execution: Error: boom' },
    ]);
    // The abandoned invocation started it after all: the recheck finds and counts it.
    const late = await recheckDrop(runner({ started: execution('SUCCEEDED') }), lost);
    expect(dropFigures([late])).toMatchObject({ succeededRuns: 1, failedRuns: [] });

    const waiting: PendingDrop = {
      feed: 'scale-0002',
      runId: 'x',
      startIngestError: 'TimeoutError: t',
      executionFound: true,
    };
    expect(dropFigures([undefined, waiting])).toMatchObject({
      unfinishedRuns: 2,
      succeededRuns: 0,
      startIngestErrors: [{ feed: 'scale-0002', error: 'TimeoutError: t', execution: 'RUNNING' }],
    });
  });
});
