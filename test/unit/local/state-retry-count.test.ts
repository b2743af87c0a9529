/**
 * The local runner supplies `$$.State.RetryCount` as Step Functions does: 0 on a Task's first
 * attempt, n on its nth Retry, afresh on every entry into the state, per Map iteration.
 */
import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { runWithQuotas } from '../../../src/local/quota-execution.ts';
import { rewriteRetryCount } from '../../../src/local/state-retry-count.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** A Task that is retried on any error, passing its RetryCount and `$.label` to the handler. */
const flaky = (wiring: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: LAMBDA,
  Parameters: { 'label.$': '$.label', attempt: { 'retryCount.$': '$$.State.RetryCount' } },
  Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 5 }],
  ...wiring,
});

/** A handler failing the first `failures` attempts of each label, recording what it was given. */
function failingFirst(failures: number, seen: { label: string; retryCount: number }[]) {
  const calls = new Map<string, number>();
  return (input: unknown) => {
    const { label, attempt } = input as { label: string; attempt: { retryCount: number } };
    seen.push({ label, retryCount: attempt.retryCount });
    const n = (calls.get(label) ?? 0) + 1;
    calls.set(label, n);
    return n <= failures ? Promise.reject(new Error('flaky')) : Promise.resolve({ label, done: n });
  };
}

describe('$$.State.RetryCount in local runs', () => {
  it('is 0 on the first attempt and n on the nth retry', async () => {
    const seen: { label: string; retryCount: number }[] = [];
    const definition = { StartAt: 'Flaky', States: { Flaky: flaky({ End: true }) } } as never;
    const run = await runWithQuotas(
      definition,
      { label: 'a' },
      { handlers: { Flaky: failingFirst(2, seen) }, retryIntervalOverrides: { Flaky: 0 } },
    );
    expect(run.status, run.cause ?? '').toBe('SUCCEEDED');
    expect(seen.map((s) => s.retryCount)).toEqual([0, 1, 2]);
  });

  it('counts afresh on every entry into the state (a loop back to it)', async () => {
    const seen: { label: string; retryCount: number }[] = [];
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: flaky({ ResultPath: '$.result', Next: 'Again' }),
        Again: {
          Type: 'Choice',
          Choices: [{ Variable: '$.label', StringEquals: 'a', Next: 'Relabel' }],
          Default: 'Done',
        },
        Relabel: { Type: 'Pass', Result: 'b', ResultPath: '$.label', Next: 'Flaky' },
        Done: { Type: 'Succeed' },
      },
    } as never;
    const run = await runWithQuotas(
      definition,
      { label: 'a' },
      { handlers: { Flaky: failingFirst(1, seen) }, retryIntervalOverrides: { Flaky: 0 } },
    );
    expect(run.status, run.cause ?? '').toBe('SUCCEEDED');
    expect(seen).toEqual([
      { label: 'a', retryCount: 0 },
      { label: 'a', retryCount: 1 },
      { label: 'b', retryCount: 0 },
      { label: 'b', retryCount: 1 },
    ]);
  });

  it('counts each concurrent Map iteration on its own', async () => {
    const seen: { label: string; retryCount: number }[] = [];
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 3,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Flaky',
            States: { Flaky: flaky({ End: true }) },
          },
          End: true,
        },
      },
    } as never;
    const items = ['x', 'y', 'z'].map((label) => ({ label }));
    const run = await runWithQuotas(
      definition,
      { items },
      { handlers: { Flaky: failingFirst(2, seen) }, retryIntervalOverrides: { Flaky: 0 } },
    );
    expect(run.status, run.cause ?? '').toBe('SUCCEEDED');
    for (const label of ['x', 'y', 'z']) {
      expect(seen.filter((s) => s.label === label).map((s) => s.retryCount)).toEqual([0, 1, 2]);
    }
  });

  it('measures the task input with the count in it (not the state input it is keyed by)', async () => {
    // 150 KB of state input, passed on once: 150 KB of task input, under the 256 KiB limit.
    const big = 'x'.repeat(150_000);
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: {
          ...flaky({ End: true }),
          Parameters: {
            'big.$': '$.big',
            'label.$': '$.label',
            attempt: { 'retryCount.$': '$$.State.RetryCount' },
          },
        },
      },
    } as never;
    const seen: { label: string; retryCount: number }[] = [];
    const run = await runWithQuotas(
      definition,
      { big, label: 'a' },
      { handlers: { Flaky: failingFirst(0, seen) }, retryIntervalOverrides: { Flaky: 0 } },
    );
    expect(run.status, run.cause ?? '').toBe('SUCCEEDED');
    expect(seen).toEqual([{ label: 'a', retryCount: 0 }]);
  });

  it('rewrites only Task Parameters that ask for it, leaving the definition given untouched', () => {
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: flaky({ Next: 'Keep' }),
        Keep: { Type: 'Pass', Parameters: { 'n.$': '$$.State.RetryCount' }, End: true },
      },
    } as unknown as StateMachineDefinition;
    const { definition: rewritten, fields } = rewriteRetryCount(definition);
    expect([...fields]).toEqual([['Flaky', [['attempt', 'retryCount']]]]);
    const states = rewritten.States as Record<string, { Parameters: Record<string, unknown> }>;
    expect(states['Flaky']!.Parameters['attempt']).toEqual({ 'retryCount.$': '$' });
    expect(states['Keep']!.Parameters).toEqual({ 'n.$': '$$.State.RetryCount' });
    const original = definition.States as Record<string, { Parameters: Record<string, unknown> }>;
    expect(original['Flaky']!.Parameters['attempt']).toEqual({ 'retryCount.$': '$$.State.RetryCount' });
  });
});
