/**
 * A PARTIAL run is something to act on: its execution fails (after the run record and its events
 * went out), so the `<Machine>ExecutionsFailed` alarm fires, as docs/runbook.md says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { STATE_MACHINE_FILES, loadAslDefinition } from '../../../lib/asl-definition.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Runs the machine's ending (IsRunComplete and what follows) on a recorded run status. */
async function ending(name: keyof typeof STATE_MACHINE_FILES, recorded: Record<string, unknown>) {
  const full = JSON.parse(loadAslDefinition(STATE_MACHINE_FILES[name]).text) as {
    States: Record<string, { Next?: string; Default?: string; Choices?: { Next: string }[] }>;
  };
  // The states reachable from IsRunComplete (the tail after the run is recorded).
  const States: Record<string, unknown> = {};
  const visit = (state: string): void => {
    const body = full.States[state];
    if (!body || state in States) return;
    States[state] = body;
    for (const next of [body.Next, body.Default, ...(body.Choices ?? []).map((c) => c.Next)]) {
      if (next) visit(next);
    }
  };
  visit('IsRunComplete');
  const machine = new StateMachine({ StartAt: 'IsRunComplete', States } as unknown as StateMachineDefinition);
  try {
    await machine.run({ recorded } as never).result;
    return { status: 'SUCCEEDED', error: null };
  } catch (err) {
    if (!(err instanceof ExecutionError)) throw err;
    return { status: 'FAILED', error: (err.cause as { name?: string } | undefined)?.name ?? null };
  }
}

describe.each(['ingest', 'generate'] as const)('%s run outcome and its alarm', (name) => {
  it('fails the execution for PARTIAL and FAILED runs only', async () => {
    expect(await ending(name, { status: 'SUCCEEDED' })).toEqual({ status: 'SUCCEEDED', error: null });
    expect(
      await ending(name, {
        status: 'PARTIAL',
        error: 'RunPartiallyFailed',
        cause: '1 of 2 scenarios failed',
      }),
    ).toEqual({ status: 'FAILED', error: 'RunPartiallyFailed' });
    expect(
      await ending(name, { status: 'FAILED', error: 'VendorTerminalError', cause: 'simio_training_failed' }),
    ).toEqual({ status: 'FAILED', error: 'VendorTerminalError' });
  });

  it('alarms on the failed executions at the first one, and the runbook says PARTIAL runs count', () => {
    const machine = name === 'ingest' ? 'Ingest' : 'Generate';
    const { pipeline } = synthPipeline();
    const alarm = pipeline.monitoring.alarms[`${machine}ExecutionsFailed`];
    expect(alarm).toBeDefined();
    const { template } = synthPipeline();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsFailed',
      Namespace: 'AWS/States',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const runbook = readFileSync(join(ROOT, 'docs', 'runbook.md'), 'utf8');
    const section = runbook.split(`### ${machine}ExecutionsFailed`)[1]?.split('\n### ')[0] ?? '';
    expect(section).toMatch(/PARTIAL/);
    expect(section).toMatch(/RunPartiallyFailed/);
  });
});
