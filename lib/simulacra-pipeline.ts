/**
 * `SimulacraPipeline`: the whole integration as one secure-by-default L3 construct. Drop a seed
 * file under `seeds/<feed>/` in the seed bucket and the ingest state machine uploads it to
 * Simulacra; the generate state machine (run on a schedule or on demand) lands synthetic data in
 * the output bucket and registers it in Glue for Athena.
 *
 * The construct is assembled from child constructs in `lib/parts/` (storage, credentials,
 * catalog, events, functions, workflows) and `PipelineMonitoring`; this file wires them together
 * and offers the `grant*` and `metric*` methods.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as athena from 'aws-cdk-lib/aws-athena';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../src/events/catalog.ts';
import { gateToJson } from '../src/quality/gate-settings.ts';
import { PipelineCatalog } from './parts/catalog.ts';
import { PipelineCredentials } from './parts/credentials.ts';
import { PipelineEvents } from './parts/events.ts';
import { PipelineFunctions } from './parts/functions.ts';
import { functionNetwork } from './parts/network.ts';
import { pinLogicalIdNamedAfter, pinLogicalIds } from './parts/pipeline-part.ts';
import { PipelineStorage } from './parts/storage.ts';
import { PipelineWorkflows } from './parts/workflows.ts';
import { PipelineEnv, pipelineFunctions } from './pipeline-functions.ts';
import { PipelineMonitoring } from './pipeline-monitoring.ts';
import {
  DEFAULT_MAP_MAX_CONCURRENCY,
  DEFAULT_METRICS_NAMESPACE,
  type SimulacraPipelineProps,
} from './pipeline-props.ts';
import { validateSimulacraPipelineProps } from './props-validation.ts';
import { EncryptedQueueDestination } from './encrypted-queue-destination.ts';
import { routeFailureNotifications } from './failure-notifications.ts';
import { createEncryptionKey, grantKeyUse, keyInStackOf } from './secure-defaults.ts';

export type {
  SimulacraCredentialsRotationProps,
  SimulacraFunctionOverrides,
  SimulacraPipelineProps,
  SimulacraScheduleProps,
} from './pipeline-props.ts';

/** Event source of the pipeline's run events on the custom bus. */
export const PIPELINE_EVENT_SOURCE = EVENT_SOURCE;

const S3_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/**
 * The Simulacra integration: buckets, credential secret, state table, Glue database, Athena
 * workgroup, Lambda functions, the ingest and generate state machines, schedules, an event bus
 * for run outcomes, alarms and a dashboard.
 */
export class SimulacraPipeline extends Construct {
  /** The key encrypting the construct's resources at rest. */
  readonly encryptionKey: kms.IKey;
  /** Where seeds are dropped (`seeds/<feed>/<file>`), created or passed in. */
  readonly seedBucket: s3.IBucket;
  /** Where synthetic data (`synthetic/`) and manifests (`_manifests/`) land. */
  readonly outputBucket: s3.IBucket;
  /** Server access logs of the created buckets (undefined when both buckets were passed in). */
  readonly accessLogsBucket?: s3.IBucket;
  /** Athena query results (SSE-KMS, enforced by the workgroup). */
  readonly queryResultsBucket: s3.IBucket;
  /** The vendor credential (`claim` fills the created one). */
  readonly credentialsSecret: secretsmanager.ISecret;
  /** Feeds, runs and the shared token cache (`pk`/`sk`, TTL attribute `ttl`). */
  readonly stateTable: dynamodb.ITable;
  /** The Glue database feed tables are registered in. */
  readonly glueDatabaseName: string;
  /** Glue table of quality metrics (one row per landed generation), in `glueDatabaseName`. */
  readonly qualityMetricsTableName: string;
  /** The Athena workgroup for querying feeds (aws-cdk-lib has no Athena L2). */
  readonly athenaWorkGroup: athena.CfnWorkGroup;
  /** Run success/failure events (`source: simulacra.pipeline`). */
  readonly eventBus: events.IEventBus;
  /** Alarm and failed-run notifications (with `enableNotifications` or `notificationTopic`). */
  readonly notificationTopic?: sns.ITopic;
  /** Uploads a seed and waits for training (started by seed uploads). */
  readonly ingestStateMachine: sfn.IStateMachine;
  /** Generates and lands every scenario of a feed (started by schedules or on demand). */
  readonly generateStateMachine: sfn.IStateMachine;
  /** Pipeline functions by their id in `lib/pipeline-functions.ts`. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Rotates the created secret (with `credentialsRotation`). */
  readonly rotationFunction?: lambda.IFunction;
  /** Failed starter invocations and failed schedule deliveries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The EventBridge Scheduler schedules of `schedules`. */
  readonly schedules: readonly scheduler.ISchedule[];
  /** Alarms (`monitoring.alarms`) and the dashboard (`monitoring.dashboard`, when enabled). */
  readonly monitoring: PipelineMonitoring;
  /** CloudWatch namespace of the pipeline's metrics. */
  readonly metricsNamespace: string;
  /** The VPC the functions run in (when the `vpc` prop is set). */
  readonly vpc?: ec2.IVpc;
  /** The security groups of every function (when the `vpc` prop is set). */
  readonly functionSecurityGroups?: readonly ec2.ISecurityGroup[];

  /** The key resources here are encrypted with (a reference when the key lives elsewhere). */
  private readonly key: kms.IKey;
  private readonly outputKey: kms.IKey;
  private readonly catalog: PipelineCatalog;
  private readonly vendorQuotaFilterMetricValue?: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: SimulacraPipelineProps = {}) {
    super(scope, id);
    // Access log delivery through a bucket policy (not the legacy LogDeliveryWrite ACL), so the
    // log bucket can keep ACLs disabled whatever the app's feature flags say.
    this.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    validateSimulacraPipelineProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    const key = props.encryptionKey
      ? keyInStackOf(this, props.encryptionKey, 'EncryptionKeyRef')
      : createEncryptionKey(this, 'Key', removalPolicy);
    this.encryptionKey = props.encryptionKey ?? key;
    this.key = key;

    const storage = new PipelineStorage(this, 'Storage', {
      key,
      removalPolicy,
      ...(props.seedBucket ? { seedBucket: props.seedBucket } : {}),
      ...(props.outputBucket ? { outputBucket: props.outputBucket } : {}),
    });
    this.accessLogsBucket = storage.accessLogsBucket;
    this.seedBucket = storage.seedBucket;
    this.outputBucket = storage.outputBucket;
    this.outputKey = storage.outputKey;
    this.queryResultsBucket = storage.queryResultsBucket;
    this.stateTable = storage.stateTable;

    const credentials = new PipelineCredentials(this, 'Credentials', {
      key,
      removalPolicy,
      ...(props.credentialsSecret ? { credentialsSecret: props.credentialsSecret } : {}),
      ...(props.apiBase !== undefined ? { apiBase: props.apiBase } : {}),
    });
    this.credentialsSecret = credentials.credentialsSecret;

    this.catalog = new PipelineCatalog(this, 'Catalog', {
      pipeline: this,
      key,
      queryResultsBucket: this.queryResultsBucket,
      ...(props.glueDatabaseName !== undefined ? { glueDatabaseName: props.glueDatabaseName } : {}),
      outputBucket: this.outputBucket,
      ...(props.quality?.metricsTableName !== undefined
        ? { qualityMetricsTableName: props.quality.metricsTableName }
        : {}),
    });
    this.glueDatabaseName = this.catalog.glueDatabaseName;
    this.qualityMetricsTableName = this.catalog.qualityMetricsTableName;
    this.athenaWorkGroup = this.catalog.athenaWorkGroup;

    const pipelineEvents = new PipelineEvents(this, 'Events', {
      key,
      ...(props.enableNotifications !== undefined ? { enableNotifications: props.enableNotifications } : {}),
      ...(props.notificationTopic ? { notificationTopic: props.notificationTopic } : {}),
    });
    this.eventBus = pipelineEvents.eventBus;
    this.deadLetterQueue = pipelineEvents.deadLetterQueue;
    if (pipelineEvents.notificationTopic) this.notificationTopic = pipelineEvents.notificationTopic;

    const network = functionNetwork(this, props);
    if (network) {
      this.vpc = network.vpc;
      this.functionSecurityGroups = network.securityGroups;
    }
    const functions = new PipelineFunctions(this, 'Functions', {
      targets: {
        key,
        credentialsSecret: this.credentialsSecret,
        stateTable: this.stateTable,
        seedBucket: this.seedBucket,
        outputBucket: this.outputBucket,
        outputKey: this.outputKey,
        ...(props.artifactDecryptionKey ? { artifactDecryptionKey: props.artifactDecryptionKey } : {}),
        glueArns: this.catalog.glueArns(),
        glueDatabaseName: this.glueDatabaseName,
        eventBus: this.eventBus,
        qualityGate: props.quality?.enabled === false ? 'off' : gateToJson(props.quality?.gate ?? {}),
      },
      logRetention,
      removalPolicy,
      metricsNamespace: this.metricsNamespace,
      ...(props.vendorConcurrency !== undefined ? { vendorConcurrency: props.vendorConcurrency } : {}),
      vendorRequestsPerSecond: props.vendorRequestsPerSecond,
      artifactTenantId: props.artifactTenantId,
      vendorRequestBurst: props.vendorRequestBurst,
      ...(props.functionOverrides ? { functionOverrides: props.functionOverrides } : {}),
      ...(network ? { network } : {}),
      ...(props.enableSourceMaps !== undefined ? { enableSourceMaps: props.enableSourceMaps } : {}),
    });
    this.functions = functions.functions;
    this.vendorQuotaFilterMetricValue = functions.vendorQuotaExhausted;

    const workflows = new PipelineWorkflows(this, 'Workflows', {
      pipeline: this,
      key,
      functions,
      mapMaxConcurrency: props.mapMaxConcurrency ?? DEFAULT_MAP_MAX_CONCURRENCY,
      logRetention,
      removalPolicy,
    });
    this.ingestStateMachine = workflows.ingestStateMachine;
    this.generateStateMachine = workflows.generateStateMachine;

    this.wireSeedUploads(functions);
    if (props.credentialsRotation && credentials.ownsSecret) {
      this.rotationFunction = credentials.enableRotation({
        rotation: props.credentialsRotation,
        logRetention,
        metricsNamespace: this.metricsNamespace,
        ...(network ? { network } : {}),
        ...(props.enableSourceMaps !== undefined ? { enableSourceMaps: props.enableSourceMaps } : {}),
      });
    } else if (credentials.ownsSecret) {
      credentials.acknowledgeManualRotation();
    }
    this.schedules = workflows.createSchedules(props.schedules ?? [], this.deadLetterQueue);
    this.catalog.addFeedQueries(
      props.feeds ?? [...new Set((props.schedules ?? []).map((entry) => entry.feed))],
    );
    if (this.notificationTopic) {
      routeFailureNotifications(this, this.eventBus, this.notificationTopic, this.deadLetterQueue);
    }

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stateMachines: { Ingest: this.ingestStateMachine, Generate: this.generateStateMachine },
      functions: {
        ...this.functions,
        ...(this.rotationFunction ? { RotateCredentials: this.rotationFunction } : {}),
      },
      deadLetterQueues: { DeadLetterQueue: this.deadLetterQueue },
      vendorQuotaExhausted: this.metricVendorQuotaExhausted(),
      metricsNamespace: this.metricsNamespace,
      ...(this.rotationFunction ? { rotationFunction: this.rotationFunction } : {}),
      ...(this.notificationTopic ? { alarmTopic: this.notificationTopic } : {}),
      ...(props.enableAlarms !== undefined ? { enableAlarms: props.enableAlarms } : {}),
      ...(props.enableDashboard !== undefined ? { enableDashboard: props.enableDashboard } : {}),
    });
    for (const part of [storage, credentials, this.catalog, pipelineEvents, functions, workflows]) {
      pinLogicalIds(part);
    }
  }

  /** Read access to landed data and manifests (objects and the key that encrypts them). */
  grantReadOutput(grantee: iam.IGrantable): iam.Grant {
    const grant = this.outputBucket.grantRead(grantee);
    if (!this.outputBucket.encryptionKey) grantKeyUse(grantee, this.outputKey, 'kms:Decrypt');
    return grant;
  }

  /** Permission to upload seed files and scenario files under `seeds/`. */
  grantWriteSeeds(grantee: iam.IGrantable): iam.Grant {
    const grant = this.seedBucket.grantPut(grantee, 'seeds/*');
    if (!this.seedBucket.encryptionKey) grantKeyUse(grantee, this.key, 'kms:GenerateDataKey', 'kms:Decrypt');
    return grant;
  }

  /** Permission to start generation runs on demand. */
  grantStartGeneration(grantee: iam.IGrantable): iam.Grant {
    return this.generateStateMachine.grantStartExecution(grantee);
  }

  /** Permission to store a claimed credential in the secret (what `simulacra-pipeline claim` needs). */
  grantWriteCredentials(grantee: iam.IGrantable): iam.Grant {
    return this.credentialsSecret.grantWrite(grantee);
  }

  /** Permission to query feeds through the workgroup: Athena, the Glue catalog, data and results. */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    this.grantReadOutput(grantee);
    this.queryResultsBucket.grantReadWrite(grantee, 'results/*');
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetTables',
        'glue:GetPartition',
        'glue:GetPartitions',
      ],
      resourceArns: this.catalog.glueArns(),
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:ListNamedQueries',
        'athena:GetNamedQuery',
      ],
      resourceArns: [
        stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.athenaWorkGroup.ref }),
      ],
    });
  }

  /** Failed generate executions. @default - sum over 5 minutes */
  metricGenerationsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.generateStateMachine.metricFailed(props);
  }

  /** Succeeded generate executions. @default - sum over 5 minutes */
  metricGenerationsSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.generateStateMachine.metricSucceeded(props);
  }

  /** Failed ingest executions. @default - sum over 5 minutes */
  metricIngestsFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.ingestStateMachine.metricFailed(props);
  }

  /** Vendor 402 `simio_quota_exhausted` responses, from the functions' logs. @default - sum over 5 minutes */
  metricVendorQuotaExhausted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.vendorQuotaFilterMetric.with({ statistic: 'Sum', period: Duration.minutes(5), ...props });
  }

  /** Messages waiting in the dead-letter queue. @default - maximum over 5 minutes */
  metricDeadLetterQueueDepth(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', ...props });
  }

  private get vendorQuotaFilterMetric(): cloudwatch.Metric {
    if (!this.vendorQuotaFilterMetricValue) {
      throw new Error('SimulacraPipeline: the vendor quota metric is created with the functions');
    }
    return this.vendorQuotaFilterMetricValue;
  }

  /**
   * S3 "Object Created" events under `seeds/` go to the starter function, with a DLQ. The rule
   * sits directly in the pipeline: its path names the queue policy statement and the function
   * permission EventBridge delivers through.
   */
  private wireSeedUploads(functions: PipelineFunctions): void {
    const starterSpecs = pipelineFunctions.filter((spec) =>
      spec.env.includes(PipelineEnv.ingestStateMachineArn),
    );
    for (const spec of starterSpecs) {
      const starter = functions.fn(spec.id);
      starter.configureAsyncInvoke({
        onFailure: new EncryptedQueueDestination(this.deadLetterQueue, this.key),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
      const rule = new events.Rule(this, `${spec.id}SeedUploadedRule`, {
        description: 'Start ingestion when a seed file is created under seeds/',
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: {
            bucket: { name: [this.seedBucket.bucketName] },
            object: { key: events.Match.prefix('seeds/') },
          },
        },
        targets: [
          new eventsTargets.LambdaFunction(starter, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: 4,
            maxEventAge: Duration.hours(2),
          }),
        ],
      });
      for (const child of rule.node.findAll()) {
        if (child instanceof lambda.CfnPermission) pinLogicalIdNamedAfter(child, 'AllowEventRule', starter);
      }
    }
  }
}
