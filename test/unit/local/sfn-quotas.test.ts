import { describe, expect, it } from 'vitest';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { runWithQuotas } from '../../../src/local/quota-execution.ts';
import {
  HISTORY_EVENT_LIMIT,
  STATE_PAYLOAD_LIMIT_BYTES,
  StepFunctionsApiError,
  checkExecutionName,
  utf8JsonBytes,
} from '../../../src/local/sfn-quotas.ts';

const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** A string whose UTF-8 size is `bytes` although it has only a third as many UTF-16 units. */
function threeByteText(bytes: number): string {
  return '€'.repeat(Math.ceil(bytes / 3));
}

function taskThenRecord(catchErrors: string[]): StateMachineDefinition {
  return {
    StartAt: 'Big',
    States: {
      Big: {
        Type: 'Task',
        Resource: LAMBDA,
        ResultPath: '$.big',
        Catch: [{ ErrorEquals: catchErrors, ResultPath: '$.error', Next: 'Recorded' }],
        Next: 'Done',
      },
      Recorded: { Type: 'Pass', End: true },
      Done: { Type: 'Succeed' },
    },
  } as never;
}

/** A Map over `$.items` running one Task per item. */
function mapOfTasks(maxConcurrency: number, wiring: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Map',
    ItemsPath: '$.items',
    MaxConcurrency: maxConcurrency,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: 'Work',
      States: { Work: { Type: 'Task', Resource: LAMBDA, End: true } },
    },
    ...wiring,
  };
}

describe('256 KiB per state input, output and result (UTF-8 bytes)', () => {
  it('measures UTF-8 bytes, not UTF-16 units', () => {
    const text = threeByteText(200 * 1024);
    expect(text.length).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES / 2);
    expect(utf8JsonBytes(text)).toBeGreaterThan(200 * 1024);
  });

  it('fails the execution when a task result is over 256 KiB, and States.ALL does not catch it', async () => {
    const recorded: unknown[] = [];
    const run = await runWithQuotas(
      taskThenRecord(['States.ALL']),
      {},
      {
        handlers: {
          Big: () => Promise.resolve({ text: threeByteText(STATE_PAYLOAD_LIMIT_BYTES + 10) }),
        },
        onEvent: (e) => {
          if (e.type === 'StateEntered') recorded.push((e.state as { name: string }).name);
        },
      },
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.DataLimitExceeded');
    expect(run.cause).toMatch(/'Big' returned a result/);
    expect(recorded).not.toContain('Recorded');
  });

  it('lets a catcher that names States.DataLimitExceeded catch it', async () => {
    const run = await runWithQuotas(
      taskThenRecord(['States.DataLimitExceeded']),
      {},
      {
        handlers: { Big: () => Promise.resolve('x'.repeat(STATE_PAYLOAD_LIMIT_BYTES + 1)) },
      },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ error: { Error: 'States.DataLimitExceeded' } });
  });

  it('fails a Map whose output is over 256 KiB though each iteration is small, and nothing after it runs', async () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: mapOfTasks(10, {
          ResultPath: '$.results',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
          Next: 'RecordSuccess',
        }),
        RecordSuccess: { Type: 'Task', Resource: LAMBDA, End: true },
        RecordFailure: { Type: 'Task', Resource: LAMBDA, End: true },
      },
    } as never;
    const calls: string[] = [];
    const run = await runWithQuotas(
      definition,
      { items: Array.from({ length: 100 }, (_, i) => i) },
      {
        handlers: {
          Work: () => Promise.resolve('y'.repeat(3 * 1024)),
          RecordSuccess: () => Promise.resolve(calls.push('success')),
          RecordFailure: () => Promise.resolve(calls.push('failure')),
        },
      },
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.DataLimitExceeded');
    expect(run.cause).toMatch(/'Fan' returned a result/);
    expect(calls).toEqual([]);
  });
});

describe('execution names', () => {
  it('accepts 80 characters and refuses 81', () => {
    expect(() => checkExecutionName('a'.repeat(80))).not.toThrow();
    expect(() => checkExecutionName('a'.repeat(81))).toThrow(StepFunctionsApiError);
    expect(() => checkExecutionName('a'.repeat(81))).toThrow(/1 to 80 characters; this one has 81/);
  });

  it('refuses empty names, spaces and the forbidden characters', () => {
    for (const bad of ['', 'a b', 'a/b', 'a:b', 'a*b', 'a{b', 'a$b', 'tab\there', 'a\u0085b']) {
      expect(() => checkExecutionName(bad), JSON.stringify(bad)).toThrow(/Invalid Name/);
    }
    expect(() => checkExecutionName('ingest-feed_1-ABC')).not.toThrow();
  });
});

describe('inline Map concurrency and history length', () => {
  it('runs at most 40 iterations at once, even when the definition asks for more', async () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: mapOfTasks(100, { End: true }),
      },
    } as never;
    let running = 0;
    let peak = 0;
    const run = await runWithQuotas(
      definition,
      { items: Array.from({ length: 100 }, (_, i) => i) },
      {
        handlers: {
          Work: async () => {
            peak = Math.max(peak, ++running);
            await new Promise((r) => setTimeout(r, 20));
            running -= 1;
            return null;
          },
        },
      },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(peak).toBe(40);
    expect(run.maxConcurrentIterations).toBeLessThanOrEqual(40);
  });

  it('fails with States.Runtime at 25,000 history events', async () => {
    const definition = {
      StartAt: 'Spin',
      States: {
        Spin: {
          Type: 'Choice',
          Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Again' }],
          Default: 'Done',
        },
        Again: { Type: 'Pass', Next: 'Spin' },
        Done: { Type: 'Succeed' },
      },
    } as never;
    const run = await runWithQuotas(definition, { spin: true }, { handlers: {} });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toBe(
      `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`,
    );
    expect(run.historyLength).toBe(HISTORY_EVENT_LIMIT);
  }, 60_000);
});

describe('definition validation', () => {
  const passThrough: StateMachineDefinition = {
    StartAt: 'Only',
    States: { Only: { Type: 'Pass', End: true } },
  };
  it('validates a definition the first time it runs, and runs an identical one again', async () => {
    const first = await runWithQuotas(passThrough, { a: 1 }, { handlers: {} });
    const again = await runWithQuotas(structuredClone(passThrough), { a: 2 }, { handlers: {} });
    expect([first.output, again.output]).toEqual([{ a: 1 }, { a: 2 }]);
  });
  it('still refuses an invalid definition after valid ones ran (a bad path, a bad ARN)', async () => {
    const badPath = {
      StartAt: 'Only',
      States: { Only: { Type: 'Pass', InputPath: 'not-a-path', End: true } },
    } as unknown as StateMachineDefinition;
    await expect(runWithQuotas(badPath, {}, { handlers: {} })).rejects.toThrow();
    await expect(runWithQuotas(badPath, {}, { handlers: {} })).rejects.toThrow();
    const badArn: StateMachineDefinition = {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: 'not-an-arn', End: true } },
    };
    await expect(runWithQuotas(badArn, {}, { handlers: {} })).rejects.toThrow();
  });
});
