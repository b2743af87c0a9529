/**
 * The demo's default schedule does not fail every day before the feed has a dataset: it deploys
 * disabled, and a context entry enables it once the feed's first ingest succeeded.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ContextKeys, SimulacraDemoStack } from '../../../lib/demo-stack.ts';
import { fastApp } from '../../support/infra-fixtures.ts';

function schedules(context: Record<string, unknown> = {}) {
  const app = fastApp(context);
  const stack = new SimulacraDemoStack(app, 'Demo', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule')).map(
    (r) => (r as { Properties: { State?: string; ScheduleExpression?: string } }).Properties,
  );
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
});
