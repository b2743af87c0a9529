/**
 * Failed or partial runs and rejected seeds on the run event bus, forwarded to the notification
 * topic. The rules are created directly in the pipeline (as the seed upload rule is): their path
 * names the topic policy statements and the dead-letter queue policy they deliver through.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DetailType, EVENT_SOURCE } from '../src/events/catalog.ts';

export function routeFailureNotifications(
  pipeline: Construct,
  eventBus: events.IEventBus,
  topic: sns.ITopic,
  deadLetterQueue: sqs.IQueue,
): void {
  const forward = (id: string, description: string, eventPattern: events.EventPattern): void => {
    new events.Rule(pipeline, id, {
      eventBus,
      description,
      eventPattern,
      targets: [new eventsTargets.SnsTopic(topic, { deadLetterQueue })],
    });
  };
  forward('RunFailedRule', 'Forward failed or partial Simulacra runs to the notification topic', {
    source: [EVENT_SOURCE],
    detailType: [DetailType.runFinished],
    detail: { status: ['FAILED', 'PARTIAL'] },
  });
  forward('SeedRejectedRule', 'Forward rejected seeds to the notification topic', {
    source: [EVENT_SOURCE],
    detailType: [DetailType.seedRejected],
  });
}
