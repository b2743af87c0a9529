/**
 * What each pipeline function may do. Grants follow the environment: each variable a function
 * reads gives the access it implies.
 */
import { Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DATA_PREFIX, MANIFEST_PREFIX, QUARANTINE_PREFIX } from '../src/landing/layout.ts';
import { QUALITY_PREFIX } from '../src/quality/metrics-table.ts';
import { PipelineEnv, type PipelineFunctionSpec } from './pipeline-functions.ts';
import { acknowledgeWildcardResource, grantKeyUse } from './secure-defaults.ts';

/** The resources the pipeline functions are granted access to. */
export interface GrantTargets {
  /** The pipeline key (state table, token cache, event bus). */
  readonly key: kms.IKey;
  readonly credentialsSecret: secretsmanager.ISecret;
  readonly stateTable: dynamodb.ITable;
  readonly seedBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  /** The key landed objects are encrypted with. */
  readonly outputKey: kms.IKey;
  /** Enterprise mode: the key Simulacra wraps artifact data keys with. */
  readonly artifactDecryptionKey?: kms.IKey;
  /** The Glue catalog, the pipeline database and its tables. */
  readonly glueArns: readonly string[];
  readonly eventBus: events.IEventBus;
}

/** Whether a function writes landed objects: only those given the output key encrypt with it. */
function writesOutput(spec: PipelineFunctionSpec): boolean {
  return spec.env.includes(PipelineEnv.outputKmsKeyArn);
}

/**
 * Object-level access under `prefixes` of `bucket` (plus `s3:ListBucket`, so a missing key is a
 * 404 rather than a 403). The prefix wildcard is acknowledged per resource.
 */
export function allowObjects(
  fn: lambda.Function,
  bucket: s3.IBucket,
  prefixes: readonly string[],
  actions: readonly string[],
): void {
  const objectArns = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: objectArns }));
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  for (const arn of objectArns) {
    acknowledgeWildcardResource(
      fn.role ?? fn,
      arn,
      'Object keys under this prefix are data-driven (feed, scenario, date, id); access is limited to the one prefix of the one bucket.',
    );
  }
}

/** Grants follow the environment: each variable a function reads gives the access it implies. */
export function grantByEnvironment(
  fn: lambda.Function,
  spec: PipelineFunctionSpec,
  targets: GrantTargets,
): void {
  const stack = Stack.of(fn);
  const { key } = targets;
  for (const name of spec.env) {
    switch (name) {
      case PipelineEnv.credentialsSecretArn:
        targets.credentialsSecret.grantRead(fn);
        break;
      case PipelineEnv.stateTableName:
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [
              'dynamodb:GetItem',
              'dynamodb:BatchGetItem',
              'dynamodb:Query',
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
              'dynamodb:BatchWriteItem',
              'dynamodb:ConditionCheckItem',
              'dynamodb:DescribeTable',
            ],
            resources: [targets.stateTable.tableArn],
          }),
        );
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
            resources: [key.keyArn],
            conditions: {
              StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` },
            },
          }),
        );
        break;
      case PipelineEnv.tokenCacheKeyArn:
        grantKeyUse(fn, key, 'kms:Encrypt', 'kms:Decrypt');
        break;
      case PipelineEnv.seedBucketName:
        allowObjects(fn, targets.seedBucket, ['seeds/'], ['s3:GetObject', 's3:GetObjectVersion']);
        if (targets.seedBucket.encryptionKey)
          grantKeyUse(fn, targets.seedBucket.encryptionKey, 'kms:Decrypt');
        break;
      case PipelineEnv.outputBucketName:
        if (writesOutput(spec)) {
          allowObjects(
            fn,
            targets.outputBucket,
            [`${DATA_PREFIX}/`, `${MANIFEST_PREFIX}/`],
            ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
          );
        } else {
          allowObjects(
            fn,
            targets.outputBucket,
            [`${DATA_PREFIX}/`, `${MANIFEST_PREFIX}/`],
            ['s3:GetObject'],
          );
          grantKeyUse(fn, targets.outputKey, 'kms:Decrypt');
        }
        break;
      case PipelineEnv.outputKmsKeyArn:
        grantKeyUse(fn, targets.outputKey, 'kms:GenerateDataKey', 'kms:Decrypt');
        break;
      case PipelineEnv.qualityGate:
        // Write-audit-publish: upload to quarantine, publish by copy, delete the audited copy.
        allowObjects(
          fn,
          targets.outputBucket,
          [`${QUARANTINE_PREFIX}/`, `${QUALITY_PREFIX}/`],
          ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        );
        break;
      case PipelineEnv.artifactKmsKeyArn:
        if (targets.artifactDecryptionKey) grantKeyUse(fn, targets.artifactDecryptionKey, 'kms:Decrypt');
        break;
      case PipelineEnv.glueDatabaseName: {
        const [, , tables] = targets.glueArns;
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [
              'glue:GetDatabase',
              'glue:GetTable',
              'glue:CreateTable',
              'glue:UpdateTable',
              'glue:GetPartition',
              'glue:GetPartitions',
              'glue:CreatePartition',
              'glue:BatchCreatePartition',
              'glue:UpdatePartition',
            ],
            resources: [...targets.glueArns],
          }),
        );
        acknowledgeWildcardResource(
          fn.role ?? fn,
          tables ?? '',
          'One Glue table per feed is created at run time; access is limited to tables of the pipeline database.',
        );
        break;
      }
      case PipelineEnv.eventBusName:
        targets.eventBus.grantPutEventsTo(fn);
        grantKeyUse(fn, key, 'kms:GenerateDataKey');
        break;
      case PipelineEnv.ingestStateMachineArn:
        // The starter tags rejected seed versions (start permission is granted once the
        // state machine exists).
        allowObjects(
          fn,
          targets.seedBucket,
          ['seeds/'],
          [
            's3:GetObjectTagging',
            's3:GetObjectVersionTagging',
            's3:PutObjectTagging',
            's3:PutObjectVersionTagging',
          ],
        );
        break;
    }
  }
}
