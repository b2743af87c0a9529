/**
 * The security checks of test/support/infra-fixtures.ts fail when a default is removed from the
 * synthesized template (each mutation below): what makes pipeline-security.test.ts meaningful.
 */
import { describe, expect, it } from 'vitest';
import {
  checkBucketPolicies,
  checkBuckets,
  checkEncryptionAtRest,
  checkFunctions,
  checkIamScoping,
  checkStateMachines,
  cloneTemplate,
  resourcesOfType,
  synthPipeline,
  type CfnTemplateJson,
} from '../../support/infra-fixtures.ts';

const { json, stack, pipeline } = synthPipeline({ feeds: ['customers'] });

describe('security checks fail when a default is removed (mutations)', () => {
  const mutate = (edit: (doc: CfnTemplateJson) => void): CfnTemplateJson => {
    const copy = cloneTemplate(json);
    edit(copy);
    return copy;
  };
  const first = (doc: CfnTemplateJson, type: string): Record<string, unknown> =>
    resourcesOfType(doc, type)[0]![1].Properties!;
  const dataBucket = (doc: CfnTemplateJson): Record<string, unknown> =>
    doc.Resources[stack.getLogicalId(pipeline.seedBucket.node.defaultChild as never)]!.Properties!;

  it.each([
    ['bucket encryption', checkBuckets, (doc: CfnTemplateJson) => delete dataBucket(doc)['BucketEncryption']],
    [
      'bucket key',
      checkBuckets,
      (doc: CfnTemplateJson) => {
        const rules = (
          dataBucket(doc)['BucketEncryption'] as {
            ServerSideEncryptionConfiguration: Record<string, unknown>[];
          }
        ).ServerSideEncryptionConfiguration;
        rules[0]!['BucketKeyEnabled'] = false;
      },
    ],
    [
      'public access block',
      checkBuckets,
      (doc: CfnTemplateJson) =>
        ((dataBucket(doc)['PublicAccessBlockConfiguration'] as Record<string, unknown>)['BlockPublicPolicy'] =
          false),
    ],
    ['versioning', checkBuckets, (doc: CfnTemplateJson) => delete dataBucket(doc)['VersioningConfiguration']],
    ['access logs', checkBuckets, (doc: CfnTemplateJson) => delete dataBucket(doc)['LoggingConfiguration']],
    [
      'TLS-only bucket policy',
      checkBucketPolicies,
      (doc: CfnTemplateJson) => {
        for (const [, policy] of resourcesOfType(doc, 'AWS::S3::BucketPolicy')) {
          const document = policy.Properties!['PolicyDocument'] as { Statement: Record<string, unknown>[] };
          document.Statement = document.Statement.filter((s) => s['Effect'] !== 'Deny');
        }
      },
    ],
    [
      'includeExecutionData false',
      checkStateMachines,
      (doc: CfnTemplateJson) =>
        ((first(doc, 'AWS::StepFunctions::StateMachine')['LoggingConfiguration'] as Record<string, unknown>)[
          'IncludeExecutionData'
        ] = true),
    ],
    [
      'state machine tracing',
      checkStateMachines,
      (doc: CfnTemplateJson) => delete first(doc, 'AWS::StepFunctions::StateMachine')['TracingConfiguration'],
    ],
    [
      'state machine CMK',
      checkStateMachines,
      (doc: CfnTemplateJson) =>
        delete first(doc, 'AWS::StepFunctions::StateMachine')['EncryptionConfiguration'],
    ],
    [
      'Lambda env encryption',
      checkFunctions,
      (doc: CfnTemplateJson) => delete first(doc, 'AWS::Lambda::Function')['KmsKeyArn'],
    ],
    [
      'log group encryption',
      checkEncryptionAtRest,
      (doc: CfnTemplateJson) => delete first(doc, 'AWS::Logs::LogGroup')['KmsKeyId'],
    ],
    [
      'table PITR',
      checkEncryptionAtRest,
      (doc: CfnTemplateJson) => delete first(doc, 'AWS::DynamoDB::Table')['PointInTimeRecoverySpecification'],
    ],
    [
      'key rotation',
      checkEncryptionAtRest,
      (doc: CfnTemplateJson) => (first(doc, 'AWS::KMS::Key')['EnableKeyRotation'] = false),
    ],
    [
      'secret value out of the template',
      checkEncryptionAtRest,
      (doc: CfnTemplateJson) => (first(doc, 'AWS::SecretsManager::Secret')['SecretString'] = 'hunter2'),
    ],
    [
      'scoped IAM resources',
      checkIamScoping,
      (doc: CfnTemplateJson) =>
        (first(doc, 'AWS::IAM::Policy')['PolicyDocument'] as { Statement: unknown[] }).Statement.push({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
        }),
    ],
    [
      'no wildcard actions',
      checkIamScoping,
      (doc: CfnTemplateJson) =>
        (first(doc, 'AWS::IAM::Policy')['PolicyDocument'] as { Statement: unknown[] }).Statement.push({
          Effect: 'Allow',
          Action: 'kms:*',
          Resource: 'arn:aws:kms:us-east-1:123456789012:key/x',
        }),
    ],
  ])('detects a missing %s', (_name, check, edit) => {
    expect(() => check(json)).not.toThrow();
    expect(() => check(mutate(edit))).toThrow();
  });
});
