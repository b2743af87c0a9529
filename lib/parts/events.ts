/**
 * Events: the bus run outcomes are published on, the schema registry describing them (one
 * JSON Schema per detail type, from `src/events/schemas.ts`), the dead-letter queue for failed
 * starter invocations and schedule deliveries, and the optional notification topic.
 */
import { Lazy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE, SCHEMA_VERSIONS } from '../../src/events/catalog.ts';
import { eventSchema, schemaName } from '../../src/events/schemas.ts';
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
  /** The schemas of the bus's events (`simulacra.pipeline@<DetailType>`, JSONSchemaDraft4). */
  readonly schemaRegistry: eventschemas.CfnRegistry;
  /** The published schemas, by detail type. */
  readonly schemas: Readonly<Record<string, eventschemas.CfnSchema>>;
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
    this.schemaRegistry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
      description: `Schemas of the ${EVENT_SOURCE} events on the Simulacra pipeline bus`,
    });
    const schemas: Record<string, eventschemas.CfnSchema> = {};
    for (const detailType of DETAIL_TYPES) {
      schemas[detailType] = new eventschemas.CfnSchema(this, `Schema${detailType.replace(/\s+/g, '')}`, {
        registryName: this.schemaRegistry.attrRegistryName,
        schemaName: schemaName(detailType),
        type: 'JSONSchemaDraft4',
        content: JSON.stringify(eventSchema(detailType)),
        // A new content is a new version of the registry schema; earlier versions stay readable.
        description: `"${detailType}" events (source ${EVENT_SOURCE}, schemaVersion ${SCHEMA_VERSIONS[detailType]}); see docs/events.md`,
      });
    }
    this.schemas = schemas;
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
