import { describe, expect, it } from 'vitest';
import { synthPipeline } from '../../support/infra-fixtures.ts';

describe('enableAlarms / enableDashboard', () => {
  it('creates alarms and a dashboard by default', () => {
    const { template, pipeline } = synthPipeline();
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(pipeline.monitoring.dashboard).toBeDefined();
  });

  it('creates neither when both are off', () => {
    const { template, pipeline } = synthPipeline({ enableAlarms: false, enableDashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(pipeline.monitoring.alarms).toEqual({});
    expect(pipeline.monitoring.dashboard).toBeUndefined();
  });

  it('keeps the dashboard with alarms off', () => {
    const { template } = synthPipeline({ enableAlarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
