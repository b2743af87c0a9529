/**
 * Secure-by-default building blocks the pipeline construct composes: a rotating customer-managed
 * key, TLS-only private buckets with access logs, encrypted log groups and queues, and the
 * helpers that record why a checker finding is accepted (cdk-nag acknowledgements, checkov skips).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { ArnFormat, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import type { Construct } from 'constructs';

/** A cdk-nag rule accepted on purpose, with the reason reviewers read. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** Records cdk-nag acknowledgements on `scope` (they apply to it and its children). */
export function acknowledgeNag(scope: IConstruct, ...acknowledgements: NagAcknowledgement[]): void {
  Validations.of(scope).acknowledge(...acknowledgements);
}

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names findings (`<Logical.Arn>`,
 * `<AWS::Partition>`), so an acknowledgement can name one exact wildcard resource.
 */
function flattenForNag(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (record['Fn::Join']) {
      const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
      return items.map(flattenForNag).join(delimiter);
    }
    if (record['Fn::Sub']) return flattenForNag(record['Fn::Sub']);
    if (record['Fn::GetAtt']) {
      const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenForNag(resource)}.${flattenForNag(attribute)}>`;
    }
    if (record['Fn::ImportValue']) return flattenForNag(record['Fn::ImportValue']);
    if (record['Ref']) return `<${flattenForNag(record['Ref'])}>`;
  }
  return JSON.stringify(node);
}

/**
 * Acknowledges cdk-nag's IAM5 finding for one wildcard resource ARN (e.g. an object prefix
 * `<bucket arn>/seeds/*`) on `scope`, and nothing broader.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const flat = flattenForNag(Stack.of(scope).resolve(resourceArn));
  acknowledgeNag(scope, { id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** A checkov check skipped for one resource, with the reason reviewers read. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/**
 * Adds checkov inline suppressions (`Metadata.checkov.skip`) to the CloudFormation resource of
 * `scope` (the construct itself or its default child).
 */
export function skipCheckov(scope: IConstruct, ...skips: CheckovSkip[]): void {
  const resource = CfnResource.isCfnResource(scope) ? scope : scope.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`skipCheckov: ${scope.node.path} has no CloudFormation resource to annotate`);
  }
  const existing = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, ...skips] });
}

/**
 * A symmetric customer-managed key with yearly rotation whose policy lets CloudWatch Logs in this
 * account and region use it (log groups are encrypted with it).
 */
export function createEncryptionKey(scope: Construct, id: string, removalPolicy: RemovalPolicy): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, id, {
    description: `Simulacra pipeline data key (${scope.node.path})`,
    enableKeyRotation: true,
    removalPolicy,
    pendingWindow: Duration.days(30),
  });
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
  return key;
}

/**
 * `key` itself when `scope`'s stack owns it; otherwise a reference by ARN, so nothing here edits
 * the policy of a key defined elsewhere (which would make that stack depend on this one). Such a
 * key's policy must already allow what docs/construct.md ("Bringing your own key") lists.
 */
export function keyInStackOf(scope: Construct, key: kms.IKey, id: string): kms.IKey {
  if (key instanceof kms.Key && Stack.of(key) === Stack.of(scope)) return key;
  return kms.Key.fromKeyArn(scope, id, key.keyArn);
}

/**
 * Grants `actions` on `key` through the grantee's identity policy only. Keys created by the
 * construct delegate to IAM; a key from elsewhere keeps its own policy untouched.
 */
export function grantKeyUse(grantee: iam.IGrantable, key: kms.IKey, ...actions: string[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [key.keyArn] });
}

/**
 * Lets an AWS service that delivers to our encrypted queues or topics (EventBridge rules,
 * CloudWatch alarms) use `key`, limited to sources in this account.
 */
export function allowServiceToUseKey(key: kms.IKey, servicePrincipal: string, sid: string): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(servicePrincipal)],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
}

/** The lifecycle rule every bucket gets: incomplete multipart uploads are aborted after a week. */
const abortIncompleteUploads: s3.LifecycleRule = {
  id: 'abort-incomplete-multipart-uploads',
  abortIncompleteMultipartUploadAfter: Duration.days(7),
};

/**
 * The bucket receiving S3 server access logs. S3 log delivery supports only SSE-S3 on the
 * target bucket, and it cannot log to itself.
 */
export function createAccessLogsBucket(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy,
    lifecycleRules: [
      abortIncompleteUploads,
      {
        id: 'expire-access-logs',
        expiration: Duration.days(365),
        noncurrentVersionExpiration: Duration.days(30),
      },
    ],
  });
  acknowledgeNag(bucket, {
    id: 'AwsSolutions-S1',
    reason: 'This is the server access log target of the pipeline buckets; logging it to itself would loop.',
  });
  skipCheckov(
    bucket,
    {
      id: 'CKV_AWS_18',
      comment: 'Server access log target bucket; logging it to itself would loop.',
    },
    {
      id: 'CKV_AWS_145',
      comment: 'S3 server access log delivery only supports SSE-S3 on the target bucket.',
    },
  );
  return bucket;
}

export interface DataBucketOptions {
  readonly encryptionKey: kms.IKey;
  readonly accessLogsBucket: s3.IBucket;
  readonly accessLogsPrefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** Publish object events to EventBridge (no custom resource: set on the bucket itself). */
  readonly eventBridge?: boolean;
  /** Noncurrent object versions are deleted after this long. */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * A private data bucket: SSE-KMS with the customer-managed key and S3 bucket keys, versioning,
 * TLS 1.2+ only, public access blocked, ACLs disabled, server access logs, aborted incomplete
 * uploads.
 */
export function createDataBucket(scope: Construct, id: string, options: DataBucketOptions): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.encryptionKey,
    bucketKeyEnabled: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: options.accessLogsBucket,
    serverAccessLogsPrefix: options.accessLogsPrefix,
    removalPolicy: options.removalPolicy,
    lifecycleRules: [
      abortIncompleteUploads,
      {
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: options.noncurrentVersionExpiration ?? Duration.days(90),
      },
    ],
  });
  if (options.eventBridge) {
    (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
  }
  return bucket;
}

export interface EncryptedLogGroupOptions {
  /** @default - a generated name */
  readonly logGroupName?: string;
  readonly encryptionKey: kms.IKey;
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** @default - none */
  readonly dataProtectionPolicy?: logs.DataProtectionPolicy;
}

/** A log group encrypted with the customer-managed key, with a fixed retention. */
export function createEncryptedLogGroup(
  scope: Construct,
  id: string,
  options: EncryptedLogGroupOptions,
): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    ...(options.logGroupName ? { logGroupName: options.logGroupName } : {}),
    encryptionKey: options.encryptionKey,
    retention: options.retention,
    removalPolicy: options.removalPolicy,
    ...(options.dataProtectionPolicy ? { dataProtectionPolicy: options.dataProtectionPolicy } : {}),
  });
}

/**
 * A dead-letter queue: SSE-KMS with the customer-managed key, TLS-only, 14 days retention (the
 * maximum, so an operator has time to redrive).
 */
export function createDeadLetterQueue(scope: Construct, id: string, encryptionKey: kms.IKey): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: encryptionKey,
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeNag(queue, {
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue (failed deliveries and invocations land here).',
  });
  return queue;
}
