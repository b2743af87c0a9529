/**
 * Storage: the seed and output buckets (or the ones passed in), their access logs, the Athena
 * results bucket, and the state table (feeds, runs, the shared token cache).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { createAccessLogsBucket, createDataBucket, keyInStackOf } from '../secure-defaults.ts';
import { PipelinePart } from './pipeline-part.ts';

export interface PipelineStorageProps {
  /** The key for everything created here. */
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** @default - a new bucket */
  readonly seedBucket?: s3.IBucket;
  /** @default - a new bucket */
  readonly outputBucket?: s3.IBucket;
}

export class PipelineStorage extends PipelinePart {
  readonly seedBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  /** The key landed objects are encrypted with: the output bucket's own key, or the pipeline key. */
  readonly outputKey: kms.IKey;
  /** Server access logs of the created buckets (undefined when both buckets were passed in). */
  readonly accessLogsBucket?: s3.IBucket;
  readonly queryResultsBucket: s3.IBucket;
  readonly stateTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PipelineStorageProps) {
    super(scope, id);
    const { key, removalPolicy } = props;
    const needsLogsBucket = !props.seedBucket || !props.outputBucket;
    const accessLogsBucket = needsLogsBucket
      ? createAccessLogsBucket(this, 'AccessLogsBucket', removalPolicy)
      : undefined;
    this.accessLogsBucket = accessLogsBucket;
    const logsTarget =
      accessLogsBucket ?? createAccessLogsBucket(this, 'QueryAccessLogsBucket', removalPolicy);
    this.seedBucket =
      props.seedBucket ??
      createDataBucket(this, 'SeedBucket', {
        encryptionKey: key,
        accessLogsBucket: logsTarget,
        accessLogsPrefix: 'seed-bucket/',
        removalPolicy,
        eventBridge: true,
      });
    this.outputBucket =
      props.outputBucket ??
      createDataBucket(this, 'OutputBucket', {
        encryptionKey: key,
        accessLogsBucket: logsTarget,
        accessLogsPrefix: 'output-bucket/',
        removalPolicy,
      });
    this.outputKey = this.outputBucket.encryptionKey
      ? keyInStackOf(this, this.outputBucket.encryptionKey, 'OutputKeyRef')
      : key;
    this.queryResultsBucket = createDataBucket(this, 'QueryResultsBucket', {
      encryptionKey: key,
      accessLogsBucket: logsTarget,
      accessLogsPrefix: 'query-results-bucket/',
      removalPolicy,
      noncurrentVersionExpiration: Duration.days(7),
    });

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    this.pinLogicalIds();
  }
}
