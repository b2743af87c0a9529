import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { aslValuePlaceholders, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import {
  LocalPipelineRunner,
  definitionPath,
  definitionPlaceholders,
  substitutePlaceholders,
  taskStates,
  type StateMachineName,
} from '../../../src/local/runner.ts';

/** asl-validator ships without type declarations (a CommonJS function export). */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options: { checkArn: boolean; checkPaths: boolean },
) => { isValid: boolean; errorsText: (separator: string) => string };

const names: StateMachineName[] = ['ingest', 'generate'];
const text = (name: StateMachineName): string => readFileSync(definitionPath(name), 'utf8');

interface AnyState {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  ItemProcessor?: { States: Record<string, AnyState> };
  [key: string]: unknown;
}

function allStates(states: Record<string, AnyState>): [string, AnyState][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AnyState],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
  ]);
}

describe.each(names)('%s.asl.json', (name) => {
  const raw = text(name);
  const definition = JSON.parse(raw) as { States: Record<string, AnyState>; StartAt: string };

  it('is valid for aws-local-stepfunctions after substitution, with ARNs checked', async () => {
    const substituted = await new LocalPipelineRunner().loadDefinition(name);
    const { isValid, errorsText } = aslValidator(substituted, { checkArn: true, checkPaths: true });
    expect(isValid, errorsText('\n')).toBe(true);
    expect(() => new StateMachine(substituted)).not.toThrow();
  });

  it('uses only known placeholders', () => {
    const known = new Set<string>([
      ...pipelineFunctions.flatMap((f) => (f.aslPlaceholder ? [f.aslPlaceholder] : [])),
      ...aslValuePlaceholders,
    ]);
    for (const placeholder of definitionPlaceholders(raw)) expect(known).toContain(placeholder);
  });

  it('avoids what aws-local-stepfunctions 3.0.0 cannot run', () => {
    expect(raw).not.toMatch(
      /"QueryLanguage"|"Assign"|"Arguments"|"Output"|JSONata|HeartbeatSeconds|"DISTRIBUTED"/,
    );
  });

  it('retries transient errors and routes every failure to RecordFailure', () => {
    for (const [stateName, state] of allStates(definition.States)) {
      if (state.Type !== 'Task') continue;
      const retried = new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));
      for (const error of [
        'VendorRetryableError',
        'AwsRetryableError',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
        'Lambda.TooManyRequestsException',
        'States.Timeout',
        'Lambda.Unknown',
      ]) {
        expect(retried, `${stateName} retries ${error}`).toContain(error);
      }
      expect(typeof state.TimeoutSeconds, `${stateName} has a timeout`).toBe('number');
    }
    const topLevelTasks = Object.entries(definition.States).filter(
      ([n, s]) => (s.Type === 'Task' || s.Type === 'Map') && !n.startsWith('Record'),
    );
    for (const [stateName, state] of topLevelTasks) {
      expect(state.Catch?.[0], `${stateName} catches`).toMatchObject({
        ErrorEquals: ['States.ALL'],
        Next: 'RecordFailure',
        ResultPath: '$.error',
      });
    }
  });

  it('binds every Task to a pipeline function by a unique state name', () => {
    const tasks = taskStates(definition as never);
    const placeholders = new Set(pipelineFunctions.map((f) => `\${${f.aslPlaceholder}}`));
    for (const resource of tasks.values()) expect(placeholders).toContain(resource);
  });
});

it('refuses to run a definition with a placeholder nobody provides', () => {
  expect(() => substitutePlaceholders('{"a": "${Nope}"}', {})).toThrow(/Nope/);
  expect(substitutePlaceholders('{"a": "${Yes}"}', { Yes: 'ok' })).toBe('{"a": "ok"}');
});

it('both state machines share the same per-scenario iteration and tail', () => {
  const ingest = JSON.parse(text('ingest')) as { States: Record<string, AnyState> };
  const generate = JSON.parse(text('generate')) as { States: Record<string, AnyState> };
  for (const state of ['IsTrainingDone', 'WaitForTraining', 'PollTraining', 'RunFailed']) {
    expect(generate.States[state], state).toEqual(ingest.States[state]);
  }
  // The run id is the ingest execution's name, and generate's own (slot-derived) `$.runId`.
  const withoutRunId = (map: AnyState | undefined): unknown => ({
    ...map,
    ItemSelector: { ...(map?.ItemSelector as Record<string, unknown>), 'runId.$': null },
  });
  expect(withoutRunId(generate.States.GenerateScenarios)).toEqual(
    withoutRunId(ingest.States.GenerateScenarios),
  );
  expect(generate.States.GenerateScenarios?.ItemSelector).toMatchObject({ 'runId.$': '$.runId' });
});

it('derives the generate run id from feed, slot and scenarios, or uses the execution name', async () => {
  const definition = JSON.parse(text('generate')) as { States: Record<string, AnyState> };
  const identify = new StateMachine({
    StartAt: 'ReadRequest',
    States: {
      ReadRequest: definition.States.ReadRequest!,
      IsScheduledRun: { ...definition.States.IsScheduledRun!, Default: 'Done' },
      IdentifyScheduledRun: { ...definition.States.IdentifyScheduledRun!, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  } as never);
  const runIdOf = async (input: Record<string, string | string[]>, name = 'exec-1'): Promise<string> => {
    const out = (await identify.run(input, { context: { Execution: { Name: name } } }).result) as {
      runId: string;
    };
    return out.runId;
  };
  const slot = { feed: 'retail', slot: '2026-05-01T06:00:00Z' };
  const scheduled = await runIdOf(slot, 'exec-1');
  expect(scheduled).toMatch(/^generate-retail-[0-9a-f]{64}$/);
  expect(await runIdOf({ ...slot, trigger: 'schedule' }, 'exec-2')).toBe(scheduled);
  expect(await runIdOf({ ...slot, slot: '2026-05-02T06:00:00Z' })).not.toBe(scheduled);
  expect(await runIdOf({ ...slot, scenarios: ['premium-heavy'] })).not.toBe(scheduled);
  expect(await runIdOf({ feed: 'retail' }, 'manual-7')).toBe('manual-7');
});
