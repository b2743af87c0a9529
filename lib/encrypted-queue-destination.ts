/**
 * The on-failure destination of the seed-upload starter function: an SSE-KMS queue.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { serviceKeyConditions } from './function-grants.ts';

/**
 * An on-failure destination on an SSE-KMS queue that grants exactly `sqs:SendMessage` and the two
 * key actions sending needs (the stock `SqsDestination` grants `kms:ReEncrypt*`/`GenerateDataKey*`).
 */
export class EncryptedQueueDestination implements lambda.IDestination {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly key: kms.IKey,
  ) {}

  bind(scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FailureDestination',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
    // Only for this queue's messages, through SQS.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FailureDestinationKey',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: serviceKeyConditions(scope, 'sqs', 'aws:sqs:arn', this.queue.queueArn),
      }),
    );
    return { destination: this.queue.queueArn };
  }
}
