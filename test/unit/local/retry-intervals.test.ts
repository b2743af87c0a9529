import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { retryIntervals, taskStates } from '../../../src/local/definitions.ts';
import { LocalPipelineRunner } from '../../../src/local/runner.ts';

const SHORT = 7;

/** The real milliseconds between a failing Task's first two attempts under `override`. */
async function gapBetweenAttempts(override: number[]): Promise<number> {
  const definition = {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:flaky',
        Retry: [
          { ErrorEquals: ['Other'], IntervalSeconds: 1, MaxAttempts: 1 },
          { ErrorEquals: ['Paced'], IntervalSeconds: 1, MaxAttempts: 1 },
        ],
        End: true,
      },
    },
  } as unknown as StateMachineDefinition;
  const at: number[] = [];
  const flaky = () => {
    at.push(Date.now());
    if (at.length === 1) throw Object.assign(new Error('refused'), { name: 'Paced' });
    return Promise.resolve({});
  };
  await new StateMachine(definition).run(
    {},
    {
      overrides: {
        taskResourceLocalHandlers: { Flaky: flaky },
        retryIntervalOverrides: { Flaky: override },
      },
    },
  ).result;
  return (at[1] as number) - (at[0] as number);
}

describe('local Retry intervals', () => {
  it('keeps a retrier its own interval for -1 and shortens it otherwise (aws-local-stepfunctions)', async () => {
    expect(await gapBetweenAttempts([SHORT, -1])).toBeGreaterThanOrEqual(950);
    expect(await gapBetweenAttempts([-1, SHORT])).toBeLessThan(900);
  });

  it("with real vendor waits, a pacing refusal's retrier keeps its own backoff; every other retrier is shortened", async () => {
    const runner = new LocalPipelineRunner({});
    let realPacedRetriers = 0;
    for (const name of ['ingest', 'generate'] as const) {
      const definition = await runner.loadDefinition(name);
      for (const state of taskStates(definition).keys()) {
        const real = retryIntervals(definition, state, { shortenedMs: SHORT, realPacedRetries: true });
        const shortened = retryIntervals(definition, state, { shortenedMs: SHORT, realPacedRetries: false });
        expect(shortened.every((ms) => ms === SHORT)).toBe(true);
        expect(real).toHaveLength(shortened.length);
        realPacedRetriers += real.filter((ms) => ms === -1).length;
        expect(real.filter((ms) => ms !== -1 && ms !== SHORT)).toEqual([]);
      }
    }
    // ResolveScenarios, LandArtifact, PrepareFeed and the others that call the vendor inline.
    expect(realPacedRetriers).toBeGreaterThanOrEqual(3);
  });
});
