/**
 * Events: the bus run outcomes are published on, the dead-letter queue for failed starter
 * invocations and schedule deliveries, and the optional notification topic.
 */
import { Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { allowServiceToUseKey, createDeadLetterQueue } from '../secure-defaults.ts';
import { PipelinePart, uniqueIdWithoutParts } from './pipeline-part.ts';

export interface PipelineEventsProps {
  readonly key: kms.IKey;
  /** @default false */
  readonly enableNotifications?: boolean;
  /** An existing topic (implies notifications). */
  readonly notificationTopic?: sns.ITopic;
}

export class PipelineEvents extends PipelinePart {
  /** Run success/failure events (`source: simulacra.pipeline`). */
  readonly eventBus: events.EventBus;
  /** Failed starter invocations and failed schedule deliveries. */
  readonly deadLetterQueue: sqs.Queue;
  readonly notificationTopic?: sns.ITopic;

  constructor(scope: Construct, id: string, props: PipelineEventsProps) {
    super(scope, id);
    const { key } = props;
    // The bus keeps the name it had before the pipeline was split into parts (CDK derives a
    // default bus name from the construct path).
    const eventBus: events.EventBus = new events.EventBus(this, 'EventBus', {
      eventBusName: Lazy.string({ produce: () => uniqueIdWithoutParts(eventBus) }),
      description: 'Simulacra pipeline run outcomes',
      kmsKey: key,
    });
    this.eventBus = eventBus;
    this.deadLetterQueue = createDeadLetterQueue(this, 'DeadLetterQueue', key);
    allowServiceToUseKey(key, 'events.amazonaws.com', 'AllowEventBridgeDeliveriesOfThisAccount');

    if (props.notificationTopic) {
      this.notificationTopic = props.notificationTopic;
    } else if (props.enableNotifications) {
      this.notificationTopic = new sns.Topic(this, 'NotificationTopic', {
        displayName: 'Simulacra pipeline notifications',
        masterKey: key,
        enforceSSL: true,
      });
      allowServiceToUseKey(key, 'cloudwatch.amazonaws.com', 'AllowCloudWatchAlarmsOfThisAccount');
    }
    this.pinLogicalIds();
  }
}
