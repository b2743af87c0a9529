import { FEED_NAME_RULE, SCENARIO_NAME_RULE, isValidName } from '../../../src/names/rules.ts';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  SimulacraPipelinePropsError,
  validateSimulacraPipelineProps,
} from '../../../lib/props-validation.ts';
import type { SimulacraPipelineProps } from '../../../lib/simulacra-pipeline.ts';

const daily = scheduler.ScheduleExpression.expression('cron(0 6 * * ? *)');

function problemsOf(props: SimulacraPipelineProps): readonly string[] {
  try {
    validateSimulacraPipelineProps(props);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(SimulacraPipelinePropsError);
    return (err as SimulacraPipelinePropsError).problems;
  }
}

describe('validateSimulacraPipelineProps', () => {
  it('accepts the empty props (every default is valid)', () => {
    expect(problemsOf({})).toEqual([]);
  });

  it('accepts a full valid configuration', () => {
    const stack = new Stack(new App(), 'S');
    expect(
      problemsOf({
        apiBase: 'https://api.example.com',
        artifactDecryptionKey: kms.Key.fromKeyArn(stack, 'K', 'arn:aws:kms:us-east-1:123456789012:key/abc'),
        feeds: ['customers', 'orders_v2'],
        schedules: [
          {
            feed: 'customers',
            schedule: daily,
            scenarios: ['baseline'],
            flexibleWindow: Duration.minutes(30),
          },
        ],
        mapMaxConcurrency: 40,
        vendorConcurrency: 5,
        glueDatabaseName: 'synthetic_lake',
        credentialsRotation: { schedule: Duration.days(30) },
      }),
    ).toEqual([]);
  });

  it.each([0, 41, 2.5, -1])('rejects mapMaxConcurrency %s naming the value and the range', (value) => {
    const [problem] = problemsOf({ mapMaxConcurrency: value });
    expect(problem).toContain(`mapMaxConcurrency is ${value}`);
    expect(problem).toContain('from 1 to 40');
  });

  it('collects every problem before throwing, one line each', () => {
    const err = (() => {
      try {
        validateSimulacraPipelineProps({
          mapMaxConcurrency: 0,
          vendorConcurrency: 1000,
          feeds: ['customers', 'customers', 'bad name'],
          schedules: [{ feed: 'unknown', schedule: daily }],
          glueDatabaseName: 'Bad-Name',
          apiBase: 'http://insecure.example.com',
        });
      } catch (caught) {
        return caught as SimulacraPipelinePropsError;
      }
      throw new Error('expected a SimulacraPipelinePropsError');
    })();
    expect(err.problems).toHaveLength(7);
    expect(err.message).toContain('7 problems');
    expect(err.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('vendorConcurrency is 1000'),
        expect.stringContaining('feeds lists "customers" more than once'),
        expect.stringContaining('feeds[2]: feed name "bad name" is invalid'),
        expect.stringContaining(
          'schedules[0].feed "unknown" is not one of feeds [customers, customers, bad name]',
        ),
        expect.stringContaining('glueDatabaseName "Bad-Name" is invalid'),
        expect.stringContaining('apiBase "http://insecure.example.com" is not an https URL'),
      ]),
    );
  });

  it('rejects invalid schedule feed names and scenario lists with the fix', () => {
    const problems = problemsOf({
      schedules: [
        { feed: '../etc', schedule: daily },
        { feed: 'customers', schedule: daily, scenarios: [] },
        { feed: 'customers', schedule: daily, scenarios: ['a', 'a'] },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/schedules\[0\]\.feed: feed name "\.\.\/etc" is invalid: use 1-63 lower-case/),
      expect.stringContaining('schedules[1].scenarios is empty; omit it to run every scenario'),
      expect.stringContaining('schedules[2].scenarios lists "a" more than once'),
    ]);
  });

  it('applies the runtime name rules, naming the rule and a valid example', () => {
    // These synthesized before and then failed every run: the runtime accepts only the rule.
    const problems = problemsOf({
      feeds: ['Customers', 'retail.eu'],
      schedules: [{ feed: 'Customers', schedule: daily, scenarios: ['Premium_Heavy'] }],
    });
    expect(problems).toEqual([
      expect.stringContaining(
        `feeds[0]: feed name "Customers" is invalid: use ${FEED_NAME_RULE.rule}, e.g. "customers"`,
      ),
      expect.stringContaining('feeds[1]: feed name "retail.eu" is invalid'),
      expect.stringContaining('schedules[0].feed: feed name "Customers" is invalid'),
      expect.stringContaining(
        `schedules[0].scenarios[0]: scenario name "Premium_Heavy" is invalid: use ${SCENARIO_NAME_RULE.rule}, e.g. "premium-heavy"`,
      ),
    ]);
    for (const [rule, valid] of [
      [FEED_NAME_RULE, ['customers', 'retail-eu', 'panel_wave_3']],
      [SCENARIO_NAME_RULE, ['baseline', 'premium-heavy']],
    ] as const) {
      for (const name of valid) expect(isValidName(rule, name)).toBe(true);
    }
  });

  it('rejects a duplicated schedule entry (it would generate the same data twice)', () => {
    const problems = problemsOf({
      schedules: [
        { feed: 'customers', schedule: daily },
        { feed: 'customers', schedule: daily },
      ],
    });
    expect(problems).toEqual([expect.stringContaining('schedules[1] repeats feed "customers"')]);
  });

  it('rejects a flexible window outside 1..1440 whole minutes', () => {
    const problems = problemsOf({
      schedules: [{ feed: 'customers', schedule: daily, flexibleWindow: Duration.hours(25) }],
    });
    expect(problems).toEqual([expect.stringContaining('schedules[0].flexibleWindow is 1 day 1 hour')]);
  });

  it('refuses the removed mode prop, saying what replaces it', () => {
    const legacy = { mode: 'enterprise' } as unknown as SimulacraPipelineProps;
    expect(problemsOf(legacy)).toEqual([expect.stringContaining('mode was removed in 0.2.0')]);
  });

  it('requires a vpc for vpcSubnets and securityGroups, and at least one group', () => {
    const stack = new Stack(new App(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0 });
    const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
    expect(
      problemsOf({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, securityGroups: [group] }),
    ).toEqual([
      expect.stringContaining('vpcSubnets is set but vpc is not'),
      expect.stringContaining('securityGroups is set but vpc is not'),
    ]);
    expect(problemsOf({ vpc, securityGroups: [] })).toEqual([
      expect.stringContaining('securityGroups is empty'),
    ]);
    expect(problemsOf({ vpc, securityGroups: [group] })).toEqual([]);
  });

  it('rejects rotation periods Secrets Manager cannot schedule and rotation of an existing secret', () => {
    expect(problemsOf({ credentialsRotation: { schedule: Duration.hours(36) } })).toEqual([
      expect.stringContaining(
        'credentialsRotation.schedule is 1 day 12 hours; use whole days from 1 to 1000',
      ),
    ]);
    const stack = new Stack(new App(), 'S');
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Sec', 'vendor');
    expect(
      problemsOf({ credentialsRotation: { schedule: Duration.days(30) }, credentialsSecret: secret }),
    ).toEqual([
      expect.stringContaining('credentialsRotation is set together with an existing credentialsSecret'),
    ]);
  });
});
