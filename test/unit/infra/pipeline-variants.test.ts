/**
 * The construct's optional features, each synthesized on its own: enterprise mode, notifications,
 * credential rotation, vendor concurrency, the Map's concurrency, and props validation before
 * anything is created. The defaults they change are in pipeline-security.test.ts.
 */
import type { Stack } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { PipelineEnv, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import { checkSecurityBaseline, resourcesOfType, synthPipeline } from '../../support/infra-fixtures.ts';

describe('SimulacraPipeline variants', () => {
  it('enterprise mode: only the landing function may decrypt with the artifact key', () => {
    const { json: doc, template: t } = synthPipeline((s: Stack) => ({
      artifactDecryptionKey: kms.Key.fromKeyArn(
        s,
        'ArtifactKey',
        'arn:aws:kms:us-east-1:123456789012:key/artifact',
      ),
    }));
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ARTIFACT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/artifact',
        }),
      },
    });
    const decrypters = resourcesOfType(doc, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties).includes('key/artifact'),
    );
    expect(decrypters).toHaveLength(1);
    expect(JSON.stringify(decrypters[0]![1].Properties?.['Roles'])).toContain('LandArtifactRole');
    expect(() => checkSecurityBaseline(doc)).not.toThrow();
  });

  it('notifications: an encrypted TLS-only topic receives alarms, failed or partial runs and rejected seeds', () => {
    const { json: doc, template: t, pipeline: p, stack: s } = synthPipeline({ enableNotifications: true });
    const topicId = s.getLogicalId(p.notificationTopic!.node.defaultChild as never);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['simulacra.pipeline'],
        'detail-type': ['Run Finished'],
        detail: { status: ['FAILED', 'PARTIAL'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['simulacra.pipeline'], 'detail-type': ['Seed Rejected'] },
      Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
    });
    t.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
    expect(() => checkSecurityBaseline(doc)).not.toThrow();
  });

  it('credentialsRotation: the rotation function rotates the secret on the given schedule', () => {
    const {
      template: t,
      pipeline: p,
      stack: s,
      json: doc,
    } = synthPipeline({
      credentialsRotation: { schedule: Duration.days(30) },
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationLambdaARN: {
        'Fn::GetAtt': [s.getLogicalId(p.rotationFunction!.node.defaultChild as never), 'Arn'],
      },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: s.getLogicalId(p.credentialsSecret.node.defaultChild as never) },
    });
    expect(p.monitoring.alarms['CredentialRotationFailed']).toBeDefined();
    expect(() => checkSecurityBaseline(doc)).not.toThrow();
  });

  it('vendorConcurrency reserves concurrency on vendor-calling functions only', () => {
    const { json: doc, pipeline: p, stack: s } = synthPipeline({ vendorConcurrency: 3 });
    for (const spec of pipelineFunctions) {
      const fn = doc.Resources[s.getLogicalId(p.functions[spec.id]!.node.defaultChild as never)]!;
      const expected = spec.env.includes(PipelineEnv.credentialsSecretArn) ? 3 : undefined;
      expect(fn.Properties?.['ReservedConcurrentExecutions'], spec.id).toBe(expected);
    }
  });

  it('mapMaxConcurrency reaches the definition substitutions', () => {
    const { template: t } = synthPipeline({ mapMaxConcurrency: 12 });
    t.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({ MapMaxConcurrency: '12' }),
    });
  });

  it('throws the collected prop problems before creating anything', () => {
    expect(() => synthPipeline({ mapMaxConcurrency: 99, feeds: ['a', 'a'] })).toThrow(
      /mapMaxConcurrency is 99[\s\S]*feeds lists "a" more than once/,
    );
  });
});
