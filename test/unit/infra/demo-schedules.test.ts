/**
 * The demo's default schedule does not fail every day before the feed has a dataset: it deploys
 * disabled and the run-record function (which may enable exactly it) turns it on once the feed's
 * first ingest succeeded; a context entry can enable or disable a schedule for good.
 */
import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ContextKeys, SimulacraDemoStack } from '../../../lib/demo-stack.ts';
import { fastApp } from '../../support/infra-fixtures.ts';

function synth(context: Record<string, unknown> = {}) {
  const app = fastApp(context);
  const stack = new SimulacraDemoStack(app, 'Demo', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

function schedules(context: Record<string, unknown> = {}) {
  return Object.values(synth(context).template.findResources('AWS::Scheduler::Schedule')).map(
    (r) => (r as { Properties: { State?: string; ScheduleExpression?: string } }).Properties,
  );
}

/** The run-record function's FEED_SCHEDULES and its scheduler statements, resolved. */
function enabling(context: Record<string, unknown> = {}) {
  const { stack, template } = synth(context);
  const fn = stack.pipeline.functions['RecordRun'];
  if (!fn) throw new Error('no RecordRun function');
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const env = (stack.resolve(cfn.environment) as { variables: Record<string, unknown> }).variables;
  const roleRef = stack.resolve((fn.role as iam.Role).roleName) as { Ref: string };
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleRef.Ref),
  );
  const statements = policies.flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
  return {
    env,
    statements: statements.filter((s) => ['EnableFeedSchedules', 'PassSchedulerRole'].includes(s.Sid ?? '')),
  };
}

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

describe('demo schedules', () => {
  it('deploy the default schedule disabled (the feed has no trained dataset yet)', () => {
    const all = schedules();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ State: 'DISABLED', ScheduleExpression: 'cron(0 6 * * ? *)' });
  });
  it('enable a schedule whose context entry says "enabled": true', () => {
    const all = schedules({
      [ContextKeys.schedules]: [{ feed: 'customers', expression: 'rate(1 day)', enabled: true }],
    });
    expect(all[0]).toMatchObject({ State: 'ENABLED' });
  });
  it('lets the run-record function enable exactly the schedules left to the pipeline, passing only their role', () => {
    const { env, statements } = enabling();
    const byFeed = env['FEED_SCHEDULES'];
    expect(JSON.stringify(byFeed)).toContain('customers');
    expect(JSON.stringify(byFeed)).toContain('"group\\":\\"default\\"');
    const enable = statements.find((s) => s.Sid === 'EnableFeedSchedules');
    expect(enable?.Action).toEqual(['scheduler:GetSchedule', 'scheduler:UpdateSchedule']);
    expect(JSON.stringify(enable?.Resource)).toContain('Schedule');
    expect(JSON.stringify(enable?.Resource)).not.toContain('*');
    const pass = statements.find((s) => s.Sid === 'PassSchedulerRole');
    expect(pass).toMatchObject({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    expect(JSON.stringify(pass?.Resource)).toContain('SchedulerRole');
  });
  it('grants nothing on schedules whose state the context fixed', () => {
    const { env, statements } = enabling({
      [ContextKeys.schedules]: [{ feed: 'customers', expression: 'rate(1 day)', enabled: false }],
    });
    expect(env['FEED_SCHEDULES']).toBe('{}');
    expect(statements).toEqual([]);
  });
});
