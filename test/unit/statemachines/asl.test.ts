import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { AslDefinitionError, STATE_MACHINE_FILES, loadAslDefinition } from '../../../lib/asl-definition.ts';
import { aslValuePlaceholders, callsVendor, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { MAX_RESERVATION_AHEAD_MS } from '../../../src/client/pacing-reservation.ts';
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
/** The assembled definition (fragments included), exactly what deploys. */
const text = (name: StateMachineName): string => loadAslDefinition(STATE_MACHINE_FILES[name]).text;

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
        // AWS's recommended Lambda retrier ("Handle Lambda service exceptions") lists it too.
        'Lambda.ClientExecutionTimeoutException',
        'Lambda.TooManyRequestsException',
        'States.Timeout',
        'Lambda.Unknown',
        // What the handler skeleton throws at the function's timeout (lambdas/commons/observability.ts).
        'InvocationTimeoutError',
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

  it('lets every vendor-calling step outlast the deepest pacing queue, and passes its RetryCount', () => {
    const vendorResources = new Set(
      pipelineFunctions.filter(callsVendor).map((f) => `\${${f.aslPlaceholder ?? ''}}`),
    );
    const vendorTasks = allStates(definition.States).filter(
      ([, state]) => state.Type === 'Task' && vendorResources.has(state['Resource'] as string),
    );
    expect(vendorTasks.length).toBeGreaterThanOrEqual(3);
    for (const [stateName, state] of vendorTasks) {
      const paced = (state.Retry ?? []).find((r) => r.ErrorEquals.includes('VendorPacedError')) as
        | {
            IntervalSeconds: number;
            MaxAttempts: number;
            BackoffRate: number;
            MaxDelaySeconds: number;
            JitterStrategy?: string;
          }
        | undefined;
      expect(paced, `${stateName} retries VendorPacedError`).toBeDefined();
      // The least the Retry can wait in all, not its mean, must cover the reservations' horizon
      // plus one capped delay (the slot a queue's tail leaves): FULL jitter may wait next to
      // nothing (about 6% of runs of the former 30 attempts fell short), so the delays are exact.
      expect(paced!.JitterStrategy, stateName).toBe('NONE');
      let leastMs = 0;
      for (let attempt = 0; attempt < paced!.MaxAttempts; attempt += 1) {
        const capped = Math.min(
          paced!.IntervalSeconds * paced!.BackoffRate ** attempt,
          paced!.MaxDelaySeconds,
        );
        leastMs += capped * 1000;
      }
      expect(leastMs, stateName).toBeGreaterThanOrEqual(
        MAX_RESERVATION_AHEAD_MS + paced!.MaxDelaySeconds * 1000,
      );
      // Each attempt costs 3 history events (toward 25,000 per execution): no more than needed.
      expect(leastMs - paced!.MaxDelaySeconds * 1000, stateName).toBeLessThan(
        MAX_RESERVATION_AHEAD_MS + paced!.MaxDelaySeconds * 1000,
      );
      // A state that carries a reservation passes $$.State.RetryCount, so a Retry takes a fresh slot.
      const parameters = state['Parameters'] as Record<string, unknown>;
      const poll = parameters['poll.$'];
      const carries = 'vendorWait.$' in parameters || (typeof poll === 'string' && poll.endsWith('.poll'));
      if (carries) expect(parameters['retryCount.$'], stateName).toBe('$$.State.RetryCount');
    }
  });

  it("catches every scenario step's failure inside its own iteration and records it", () => {
    const iteration = definition.States.GenerateScenarios?.ItemProcessor?.States ?? {};
    const tasks = Object.entries(iteration).filter(([n, s]) => s.Type === 'Task' && n !== 'RecordScenario');
    expect(tasks.map(([n]) => n).sort()).toEqual([
      'CreateGeneration',
      'LandArtifact',
      'PollGeneration',
      'RegisterCatalog',
    ]);
    for (const [stateName, state] of tasks) {
      expect(state.Catch, `${stateName} catches`).toEqual([
        { ErrorEquals: ['States.ALL'], Next: 'RecordScenario', ResultPath: '$.error' },
      ]);
    }
    expect(iteration.RegisterCatalog?.Next).toBe('RecordScenario');
    expect(iteration.RecordScenario).toMatchObject({ End: true, Parameters: { action: 'scenario' } });
    // The iteration's output is RecordScenario's few identifiers, not the iteration state.
    expect(iteration.RecordScenario?.ResultPath).toBeUndefined();
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

it('both state machines include the one scenario Map fragment, assembled at build', () => {
  const raw = (name: StateMachineName): { States: Record<string, AnyState> } =>
    JSON.parse(readFileSync(definitionPath(name), 'utf8')) as { States: Record<string, AnyState> };
  const fragment = 'fragments/scenario-map.json';
  expect(raw('ingest').States.GenerateScenarios?.Fragment).toBe(fragment);
  expect(raw('generate').States.GenerateScenarios?.Fragment).toBe(fragment);
  const ingest = JSON.parse(text('ingest')) as { States: Record<string, AnyState> };
  const generate = JSON.parse(text('generate')) as { States: Record<string, AnyState> };
  expect(generate.States.GenerateScenarios).toEqual(ingest.States.GenerateScenarios);
  expect(ingest.States.GenerateScenarios?.ItemSelector).toMatchObject({ 'runId.$': '$.runId' });
  for (const state of ['WaitForTraining', 'PollTraining', 'RunFailed', 'IsRunComplete']) {
    expect(generate.States[state], state).toEqual(ingest.States[state]);
  }
  // Ingest's training Choice also sends a throttled upload to its Wait (src/pipeline/vendor-wait.ts);
  // otherwise both machines leave the training loop the same way.
  const choices = (state: AnyState | undefined) =>
    (state as unknown as { Choices: { Next: string }[] }).Choices;
  expect(choices(ingest.States.IsTrainingDone)[0]).toEqual({
    Variable: '$.dataset.vendorWait',
    IsPresent: true,
    Next: 'WaitForVendorToUpload',
  });
  expect(choices(ingest.States.IsTrainingDone).slice(1)).toEqual(choices(generate.States.IsTrainingDone));
  expect(loadAslDefinition(STATE_MACHINE_FILES.ingest).fragments).toEqual([
    expect.stringMatching(/statemachines\/fragments\/scenario-map\.json$/),
  ]);
});

it('refuses a fragment whose fields the including state sets again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asl-fragment-'));
  writeFileSync(join(dir, 'part.json'), JSON.stringify({ Type: 'Pass', Next: 'B' }));
  writeFileSync(
    join(dir, 'main.json'),
    JSON.stringify({
      StartAt: 'A',
      States: { A: { Fragment: 'part.json', Next: 'B' }, B: { Type: 'Succeed' } },
    }),
  );
  expect(() => loadAslDefinition(join(dir, 'main.json'))).toThrow(AslDefinitionError);
  expect(() => loadAslDefinition(join(dir, 'main.json'))).toThrow(/part\.json already sets Next/);
  writeFileSync(join(dir, 'part.json'), JSON.stringify({ Type: 'Pass' }));
  expect(JSON.parse(loadAslDefinition(join(dir, 'main.json')).text)).toEqual({
    StartAt: 'A',
    States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } },
  });
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
