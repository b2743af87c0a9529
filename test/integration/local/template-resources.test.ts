import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetDatabaseCommand } from '@aws-sdk/client-glue';
import { GetBucketEncryptionCommand, GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig, startMoto } from '../../../src/local/moto.ts';
import {
  localAwsClients,
  provisionTemplate,
  resolveValue,
  TemplateResolutionError,
  type CfnTemplate,
  type LocalAwsClients,
} from '../../../src/local/template-resources.ts';
import { stateTableKeys } from '../../../src/local/token-cache-resources.ts';

const template: CfnTemplate = {
  Resources: {
    DataKey1234: { Type: 'AWS::KMS::Key', Properties: { Description: 'data' } },
    SeedBucketABCD: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': ['DataKey1234', 'Arn'] },
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      },
    },
    StateTable99: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        ...stateTableKeys(),
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    },
    CatalogDb: { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: { Name: 'synthetic_demo' } } },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'simulacra-demo' } },
    Credentials: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
    Ingest: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} },
    StartFn: {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'aws:cdk:path': 'Demo/Pipeline/StartIngest/Resource' },
      Properties: {
        Environment: {
          Variables: {
            SEED_BUCKET_NAME: { Ref: 'SeedBucketABCD' },
            STATE_TABLE_NAME: { Ref: 'StateTable99' },
            INGEST_STATE_MACHINE_ARN: { Ref: 'Ingest' },
            KEY_ARN: { 'Fn::GetAtt': ['DataKey1234', 'Arn'] },
            LABEL: { 'Fn::Join': ['-', ['feed', { Ref: 'AWS::Region' }]] },
            POWERTOOLS_SERVICE_NAME: 'simulacra',
          },
        },
      },
    },
  },
};

describe('provisionTemplate on moto', () => {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  let clients: LocalAwsClients;

  beforeAll(async () => {
    moto = await startMoto();
    clients = localAwsClients(awsClientConfig(moto));
  });
  afterAll(async () => moto?.stop());

  it('creates every stateful resource with the template settings and resolves Lambda environments', async () => {
    const stack = await provisionTemplate(template, clients, 'us-east-1');
    const env = stack.functionEnvironments['StartIngest'];
    expect(env?.['SEED_BUCKET_NAME']).toBe('local-seedbucketabcd');
    expect(env?.['LABEL']).toBe('feed-us-east-1');
    expect(env?.['INGEST_STATE_MACHINE_ARN']).toMatch(
      /^arn:aws:states:us-east-1:\d+:stateMachine:local-ingest$/,
    );
    expect(env?.['POWERTOOLS_SERVICE_NAME']).toBe('simulacra');

    const versioning = await clients.s3.send(
      new GetBucketVersioningCommand({ Bucket: 'local-seedbucketabcd' }),
    );
    expect(versioning.Status).toBe('Enabled');
    const encryption = await clients.s3.send(
      new GetBucketEncryptionCommand({ Bucket: 'local-seedbucketabcd' }),
    );
    const rule = encryption.ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('aws:kms');
    expect(rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(env?.['KEY_ARN']);

    const table = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: env?.['STATE_TABLE_NAME'] }),
    );
    expect(table.Table?.KeySchema?.map((key) => key.AttributeName)).toEqual(['pk', 'sk']);
    const db = await clients.glue.send(new GetDatabaseCommand({ Name: 'synthetic_demo' }));
    expect(db.Database?.Name).toBe('synthetic_demo');
    expect(stack.ofType('AWS::SecretsManager::Secret')[0]?.ref).toMatch(/^arn:aws:secretsmanager:/);
  });

  it('names the logical id when a value has no local equivalent', () => {
    expect(() => resolveValue({ 'Fn::GetAtt': ['Nope', 'Arn'] }, new Map(), 'us-east-1')).toThrow(
      TemplateResolutionError,
    );
    expect(() => resolveValue({ Ref: 'Missing' }, new Map(), 'us-east-1')).toThrow(/Ref Missing/);
  });
});
