import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CUSTOM_LOG_IDENTIFIERS } from '../../../lib/log-data-protection.ts';
import { pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { DETAIL_TYPES } from '../../../src/events/catalog.ts';
import { EVENT_SCHEMAS, schemaName } from '../../../src/events/schemas.ts';
import { synthPipeline } from '../../support/infra-fixtures.ts';

describe('SimulacraPipeline operations', () => {
  const {
    template: t,
    pipeline: p,
    json,
  } = synthPipeline({
    credentialsRotation: { schedule: Duration.days(30) },
  });

  it('publishes one JSON Schema per event detail type to a schema registry', () => {
    t.resourceCountIs('AWS::EventSchemas::Registry', 1);
    t.resourceCountIs('AWS::EventSchemas::Schema', DETAIL_TYPES.length);
    for (const detailType of DETAIL_TYPES) {
      t.hasResourceProperties('AWS::EventSchemas::Schema', {
        SchemaName: schemaName(detailType),
        Type: 'JSONSchemaDraft4',
        Content: JSON.stringify(EVENT_SCHEMAS[detailType]),
        RegistryName: { 'Fn::GetAtt': [Match.anyValue(), 'RegistryName'] },
      });
    }
  });

  it('alarms only on what an operator must act on, never on retried function errors', () => {
    const alarmIds = Object.keys(p.monitoring.alarms).sort();
    expect(alarmIds).toEqual(
      [
        'CredentialRotationFailed',
        'DeadLetterQueueDepth',
        'GenerateExecutionsFailed',
        'GenerateExecutionsTimedOut',
        'IngestExecutionsFailed',
        'IngestExecutionsTimedOut',
        'LandingNearRetentionEnd',
        'SeedsRejected',
        'VendorQuotaExhausted',
      ].sort(),
    );
    // No raw per-function Errors/Throttles alarms: Step Functions retries those.
    const alarms = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(alarmIds.length);
    for (const alarm of alarms) {
      const props = alarm.Properties as { MetricName?: string; AlarmDescription?: string };
      expect(props.MetricName).not.toBe('Throttles');
      expect(props.AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#[a-z]+$/);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SeedRejected',
      Namespace: 'SimulacraPipeline',
      Dimensions: [{ Name: 'service', Value: 'simulacra-pipeline' }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ArtifactRetentionRemaining',
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 6 * 3600,
    });
  });

  it("graphs the pipeline's own metrics next to AWS's on the dashboard", () => {
    const dashboards = Object.values(json.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties);
    for (const metric of [
      'RowsGenerated',
      'PartialGenerations',
      'NonConformingScenarios',
      'LandedBytes',
      'VendorThrottled',
      'TokenMints',
      'SeedRejected',
      'ArtifactRetentionRemaining',
      'RunsSucceeded',
      'RunsPartial',
      'RunsFailed',
      'RunsSkipped',
      'ExecutionsFailed',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body, metric).toContain(metric);
    }
  });

  it('puts a data protection policy on every function log group', () => {
    const functionLogGroups = Object.entries(json.Resources).filter(
      ([id, r]) =>
        r.Type === 'AWS::Logs::LogGroup' &&
        [...pipelineFunctions.map((spec) => spec.id), 'RotateCredentials'].some((fn) =>
          id.startsWith(`Pipeline${fn}Logs`),
        ),
    );
    expect(functionLogGroups).toHaveLength(pipelineFunctions.length + 1);
    for (const [, group] of functionLogGroups) {
      const policy = JSON.stringify(
        (group.Properties as { DataProtectionPolicy?: unknown }).DataProtectionPolicy,
      );
      expect(policy).toContain('Deidentify');
      expect(policy).toContain('EmailAddress');
      for (const name of Object.keys(CUSTOM_LOG_IDENTIFIERS)) expect(policy).toContain(name);
    }
  });
});
