import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ContextKeys, ContextValueError, readDemoSettings } from '../../../lib/demo-stack.ts';

const settingsOf = (context: Record<string, unknown>): ReturnType<typeof readDemoSettings> =>
  readDemoSettings(new App({ context }).node);

describe('demo stack context (cdk.json simulacra:* keys)', () => {
  it('takes the demo defaults when nothing is set', () => {
    expect(settingsOf({})).toEqual({
      feeds: ['customers'],
      schedules: [{ feed: 'customers', expression: 'cron(0 6 * * ? *)' }],
      notifications: false,
    });
  });

  it('turns enterprise mode on with the artifact key ARN alone', () => {
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/abc';
    expect(settingsOf({ [ContextKeys.artifactKeyArn]: arn }).artifactKeyArn).toBe(arn);
  });

  it('refuses the removed simulacra:mode key, saying what replaces it, with every other problem', () => {
    const read = (): unknown =>
      settingsOf({ 'simulacra:mode': 'enterprise', [ContextKeys.feeds]: 'customers' });
    expect(read).toThrow(ContextValueError);
    expect(read).toThrow(
      /simulacra:mode was removed: enterprise mode is on when simulacra:artifactKeyArn is set/,
    );
    expect(read).toThrow(/simulacra:feeds must be a list of feed names/);
  });

  it('turns automatic credential rotation on with a whole number of days (cdk -c passes strings)', () => {
    expect(settingsOf({ [ContextKeys.credentialsRotationDays]: '30' }).credentialsRotationDays).toBe(30);
    expect(() => settingsOf({ [ContextKeys.credentialsRotationDays]: 'monthly' })).toThrow(
      /simulacra:credentialsRotationDays must be a whole number of days/,
    );
  });
});
