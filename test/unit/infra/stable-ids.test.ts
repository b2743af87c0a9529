import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { ContextKeys, SimulacraDemoStack } from '../../../lib/demo-stack.ts';
import type { SimulacraPipelineProps } from '../../../lib/pipeline-props.ts';
import { validateSimulacraPipelineProps } from '../../../lib/props-validation.ts';
import { SimulacraPipeline } from '../../../lib/simulacra-pipeline.ts';
import { fastApp, normalizeTemplate, TEST_ENV, type CfnTemplateJson } from '../../support/infra-fixtures.ts';

const feeds = ['customers', 'orders', 'events'];
const schedules = [
  { feed: 'customers', expression: 'cron(0 6 * * ? *)' },
  { feed: 'orders', expression: 'rate(1 day)', scenarios: ['peak'] },
  { feed: 'orders', expression: 'rate(1 day)', scenarios: ['baseline'] },
  { feed: 'events', expression: 'cron(0 2 ? * MON *)' },
];

function demoTemplate(context: Record<string, unknown>): CfnTemplateJson {
  const app = fastApp(context);
  const stack = new SimulacraDemoStack(app, 'Demo', { env: TEST_ENV });
  return Template.fromStack(stack).toJSON() as CfnTemplateJson;
}

function pipelineTemplate(props: SimulacraPipelineProps): CfnTemplateJson {
  const stack = new Stack(fastApp(), 'Test', { env: TEST_ENV });
  new SimulacraPipeline(stack, 'Pipeline', props);
  return Template.fromStack(stack).toJSON() as CfnTemplateJson;
}

const ofType = (json: CfnTemplateJson, type: string): string[] =>
  Object.keys(json.Resources)
    .filter((id) => json.Resources[id]?.Type === type)
    .sort();

describe('construct ids are keyed by name, never by list position', () => {
  const inOrder = demoTemplate({ [ContextKeys.feeds]: feeds, [ContextKeys.schedules]: schedules });
  const reordered = demoTemplate({
    [ContextKeys.feeds]: [...feeds].reverse(),
    [ContextKeys.schedules]: [...schedules].reverse(),
  });

  it('reordering feeds and schedules in the demo stack changes no logical id or property', () => {
    expect(ofType(inOrder, 'AWS::Scheduler::Schedule')).toHaveLength(4);
    expect(ofType(inOrder, 'AWS::Athena::NamedQuery')).toHaveLength(6);
    expect(Object.keys(reordered.Resources).sort()).toEqual(Object.keys(inOrder.Resources).sort());
    expect(normalizeTemplate(reordered)).toEqual(normalizeTemplate(inOrder));
  });

  it('dropping the first feed and schedule keeps the ids of the others', () => {
    const fewer = demoTemplate({
      [ContextKeys.feeds]: feeds.slice(1),
      [ContextKeys.schedules]: schedules.filter((entry) => entry.feed !== 'customers'),
    });
    for (const type of ['AWS::Scheduler::Schedule', 'AWS::Athena::NamedQuery', 'AWS::Logs::MetricFilter']) {
      const kept = ofType(fewer, type);
      expect(kept.length).toBeGreaterThan(0);
      for (const id of kept) expect(inOrder.Resources[id]).toEqual(fewer.Resources[id]);
    }
  });

  it('a named schedule keeps its logical id when its expression changes', () => {
    const schedule = (expression: string): SimulacraPipelineProps => ({
      schedules: [
        { feed: 'customers', name: 'nightly', schedule: scheduler.ScheduleExpression.expression(expression) },
      ],
    });
    const before = ofType(pipelineTemplate(schedule('cron(0 6 * * ? *)')), 'AWS::Scheduler::Schedule');
    const after = ofType(pipelineTemplate(schedule('cron(0 7 * * ? *)')), 'AWS::Scheduler::Schedule');
    expect(before).toEqual(after);
    expect(before[0]).toMatch(/^PipelineSchedulenightly/);
  });
});

describe('schedule names', () => {
  it('rejects a repeated or invalid name together with other problems', () => {
    const daily = scheduler.ScheduleExpression.expression('rate(1 day)');
    const hourly = scheduler.ScheduleExpression.expression('rate(1 hour)');
    expect(() =>
      validateSimulacraPipelineProps({
        mapMaxConcurrency: 0,
        schedules: [
          { feed: 'customers', name: 'nightly', schedule: daily },
          { feed: 'customers', name: 'nightly', schedule: hourly },
          { feed: 'orders', name: 'Bad Name', schedule: daily },
        ],
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringContaining('mapMaxConcurrency is 0'),
          expect.stringContaining('schedules[1].name "nightly" is taken by an earlier schedule'),
          expect.stringContaining('schedules[2].name: '),
        ],
      }),
    );
  });
});
