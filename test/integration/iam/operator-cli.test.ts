/**
 * The CLI's AWS calls, judged as IAM would judge the operator who runs them: each command against
 * its policy in docs/operator-permissions.md (read from the page), on the local stack (moto). A
 * command that comes to need a permission the page does not grant fails here until it does, and
 * the page grants nothing a command does not use.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from '../../../src/cli/command.ts';
import { createClaimCommand } from '../../../src/cli/commands/claim.ts';
import { createRedriveCommand } from '../../../src/cli/commands/redrive.ts';
import { createRotateCommand } from '../../../src/cli/commands/rotate.ts';
import { createRunStatusCommand } from '../../../src/cli/commands/run-status.ts';
import { createRunsCommand } from '../../../src/cli/commands/runs.ts';
import { createSignupCommand } from '../../../src/cli/commands/signup.ts';
import { defaultOnboardingCliDeps } from '../../../src/cli/credential-support.ts';
import type { StateTableCommandDeps } from '../../../src/cli/state-table.ts';
import { IamJudge } from '../../../src/local/iam/judge.ts';
import { operatorRoleId, withOperatorRoles } from '../../../src/local/iam/operator-policy.ts';
import { actAs, invokeAs } from '../../../src/local/iam/sdk-recorder.ts';
import { awsClientConfig } from '../../../src/local/moto.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();
/** The judge of the test running (the rotate command builds its client from it). */
let currentJudge: IamJudge | null = null;

function operatorJudge(markdown?: string): IamJudge {
  const policies = h.environment.iam.policies;
  const values = {
    Region: policies.region,
    Account: policies.accountId,
    StateTableName: h.names.table,
    StateTableKeyArn: policies.resourceKey(
      `arn:aws:dynamodb:${policies.region}:${policies.accountId}:table/${h.names.table}`,
    )!,
    IngestStateMachineArn: h.environment.names.ingestStateMachineArn,
    StateMachineKeyArn: policies.resourceKey(h.environment.names.ingestStateMachineArn)!,
    CredentialsSecretArn: h.environment.names.credentialsSecretArn,
    CredentialsKeyArn: policies.resourceKey(h.environment.names.credentialsSecretArn)!,
  };
  return new IamJudge(withOperatorRoles(policies, values, markdown));
}

type Factory = (deps: StateTableCommandDeps) => CliCommand;

/** Runs `command` as the operator of `name`: every AWS call of it judged by `judge`. */
async function runAs(
  judge: IamJudge,
  name: string,
  create: Factory,
  args: string[],
): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const role = operatorRoleId(name);
  const command = create({
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env: { SIMULACRA_STATE_TABLE: h.names.table },
    dynamo: () =>
      Promise.resolve(
        actAs(
          DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(h.moto)), {
            marshallOptions: { removeUndefinedValues: true },
          }),
          role,
          judge,
        ),
      ),
  });
  const code = await invokeAs(role, judge, () => command.run(args));
  return { code, out: out.join('\n') };
}

const redrive: Factory = (deps) =>
  createRedriveCommand({
    ...deps,
    env: { ...deps.env, SIMULACRA_INGEST_STATE_MACHINE_ARN: h.environment.names.ingestStateMachineArn },
    startExecution: () => h.runner.startIngestExecution,
  });

const rotate: Factory = (deps) =>
  createRotateCommand({
    ...deps,
    secretsManager: () =>
      Promise.resolve(
        actAs(new SecretsManagerClient(awsClientConfig(h.moto)), operatorRoleId('rotate'), currentJudge!),
      ),
  });

/** The actions the page grants `command`. */
function granted(judge: IamJudge, command: string): string[] {
  const role = judge.policies.roles.get(operatorRoleId(command));
  return [
    ...new Set(
      (role?.policies ?? []).flatMap(({ policy }) =>
        policy.Statement.flatMap((s) => (typeof s.Action === 'string' ? [s.Action] : [...(s.Action ?? [])])),
      ),
    ),
  ].sort();
}

describe('the CLI judged against docs/operator-permissions.md', () => {
  it('runs, status, redrive and rotate make only the calls their documented policies allow, and use all of it', async () => {
    const tenant = h.simulator.demoTenant.tenantId;
    const feed = 'operator';
    await h.putScenarios(feed, {
      scenarios: [
        { name: 'small', row_count: 40, output_format: 'csv' },
        { name: 'large', row_count: 300, output_format: 'csv' },
      ],
    });
    h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 100 });
    const drop = await h.runner.runSeedDrop(await h.putSeed(feed, 'seed.csv', exampleSeedCsv(170)));
    const runId = drop.execution!.name;
    h.simulator.operator.setTenantLimits(tenant, { perRequestCap: 1_000_000 });

    const judge = operatorJudge();
    currentJudge = judge;
    const runs = await runAs(judge, 'runs', createRunsCommand, ['--feed', feed]);
    expect(runs.code, runs.out).toBe(0);
    expect(runs.out).toContain(runId);
    const status = await runAs(judge, 'status', createRunStatusCommand, [runId, '--json']);
    // Exit 1: the run it shows failed (or is partial); what matters is that it could read it.
    expect(status.code, status.out).toBe(1);
    expect(JSON.parse(status.out)).toMatchObject({ runId, feed });
    const redriven = await runAs(judge, 'redrive', redrive, [runId, '--json']);
    expect(redriven.code, redriven.out).toBe(0);
    const { runId: newRun } = JSON.parse(redriven.out) as { runId: string };
    expect((await h.runner.startedExecution(newRun))?.status).toBe('SUCCEEDED');

    const rotated = await runAs(judge, 'rotate', rotate, [
      '--secret-id',
      h.environment.names.credentialsSecretArn,
    ]);
    expect(rotated.code, rotated.out).toBe(0);
    expect(rotated.out).toMatch(/is AWSCURRENT and mints tokens/);

    expect(judge.denied()).toEqual([]);
    for (const command of ['runs', 'status', 'redrive', 'rotate']) {
      const used = [
        ...new Set(
          judge
            .calls()
            .filter((c) => c.functionId === operatorRoleId(command))
            .map((c) => c.action),
        ),
      ].sort();
      expect(used, `${command}: what it used is what the page grants`).toEqual(granted(judge, command));
    }
  });

  it('claim stores the approved credential in the stack secret with only what its policy grants', async () => {
    const judge = operatorJudge();
    const out: string[] = [];
    const onboarding = {
      ...defaultOnboardingCliDeps(),
      env: { SIMULACRA_API_BASE: h.simulator.apiBase },
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => out.push(t),
      sleep: () => Promise.resolve(),
    };
    expect(
      await createSignupCommand(onboarding).run(['--company', 'Ops Co', '--email', 'ops@ops.test']),
    ).toBe(0);
    const requestId = /request_id: (req_[A-Za-z0-9]+)/.exec(out.join('\n'))?.[1];
    h.simulator.operator.approveSignup(requestId!);
    const role = operatorRoleId('claim');
    const claim = createClaimCommand({
      ...onboarding,
      secretsManager: () => actAs(new SecretsManagerClient(awsClientConfig(h.moto)), role, judge),
    });
    const secretId = h.environment.names.credentialsSecretArn;
    const code = await invokeAs(role, judge, () =>
      claim.run(['--request-id', requestId!, '--secret-id', secretId]),
    );
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/credential verified/);
    expect(judge.denied()).toEqual([]);
    expect([...new Set(judge.calls().map((c) => c.action))].sort()).toEqual(granted(judge, 'claim'));
  });

  it('refuses a command a call its documented policy does not grant, naming the action', async () => {
    const markdown = [
      '### `runs`',
      '```json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'dynamodb:GetItem',
            Resource: 'arn:aws:dynamodb:${Region}:${Account}:table/${StateTableName}',
          },
        ],
      }),
      '```',
    ].join('\n');
    const judge = operatorJudge(markdown);
    const runs = await runAs(judge, 'runs', createRunsCommand, ['--feed', 'operator']);
    expect(runs.code).not.toBe(0);
    expect(runs.out).toMatch(/not authorized to perform dynamodb:Query/);
    expect(judge.denied().map((c) => c.action)).toContain('dynamodb:Query');
  });
});
