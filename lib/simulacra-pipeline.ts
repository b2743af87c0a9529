/**
 * `SimulacraPipeline`: the whole integration as one secure-by-default L3 construct. Drop a seed
 * file under `seeds/<feed>/` in the seed bucket and the ingest state machine uploads it to
 * Simulacra; the generate state machine (run on a schedule or on demand) lands synthetic data in
 * the output bucket and registers it in Glue for Athena.
 *
 * Every Lambda function comes from `lib/pipeline-functions.ts`; its grants follow the environment
 * variables it reads, so a handler gets exactly the access its configuration names.
 */
import path from 'node:path';
import { Duration, Names, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  loadAslDefinition,
  PROJECT_ROOT,
  STATE_MACHINE_FILES,
  substitutionsFor,
  type StateMachineName,
} from './asl-definition.ts';
import type { aslValuePlaceholders } from './pipeline-functions.ts';
import {
  PipelineEnv,
  pipelineFunctions,
  type PipelineEnvName,
  type PipelineFunctionSpec,
} from './pipeline-functions.ts';
import { tableNameFor } from '../src/catalog/table-spec.ts';
import { DATA_PREFIX, MANIFEST_PREFIX } from '../src/landing/layout.ts';
import { EVENT_SOURCE, FAILED_DETAIL_TYPE } from '../src/pipeline/run-events.ts';
import { PipelineMonitoring } from './pipeline-monitoring.ts';
import { validateSimulacraPipelineProps } from './props-validation.ts';
import {
  acknowledgeNag,
  acknowledgeWildcardResource,
  allowServiceToUseKey,
  createAccessLogsBucket,
  createDataBucket,
  createDeadLetterQueue,
  createEncryptedLogGroup,
  createEncryptionKey,
  grantKeyUse,
  skipCheckov,
} from './secure-defaults.ts';

/** How Simulacra delivers artifacts: from its own store, or encrypted with a customer KMS key. */
export type SimulacraMode = 'managed' | 'enterprise';

/** A recurring generation run for one feed. */
export interface SimulacraScheduleProps {
  /** The feed to generate (`seeds/<feed>/` in the seed bucket). */
  readonly feed: string;
  /**
   * Scenario names from `seeds/<feed>/scenarios.json` to run.
   * @default - every scenario of the feed
   */
  readonly scenarios?: readonly string[];
  /** When to run, e.g. `scheduler.ScheduleExpression.cron({ minute: '0', hour: '6' })`. */
  readonly schedule: scheduler.ScheduleExpression;
  /**
   * EventBridge Scheduler may start the run anywhere in this window after the scheduled time,
   * spreading load on the vendor.
   * @default Duration.minutes(15)
   */
  readonly flexibleWindow?: Duration;
  /** @default true */
  readonly enabled?: boolean;
  /** @default - "Simulacra generation for feed <feed>" */
  readonly description?: string;
}

/** Automatic rotation of the vendor credential through Simulacra's self-service rotation. */
export interface SimulacraCredentialsRotationProps {
  /** Time between rotations (whole days; Simulacra allows 3 rotations per 24 h). */
  readonly schedule: Duration;
}

/** Props of `SimulacraPipeline`. Every prop is optional; the defaults are the secure choice. */
export interface SimulacraPipelineProps {
  /**
   * Simulacra API origin, written into the placeholder credential secret.
   * @default 'https://api.simulacra-data.com'
   */
  readonly apiBase?: string;
  /**
   * Artifact delivery mode. `enterprise` requires `artifactDecryptionKey`.
   * @default 'managed'
   */
  readonly mode?: SimulacraMode;
  /**
   * An existing bucket to read seeds from (`seeds/<feed>/<file>`). It must publish events to
   * EventBridge (bucket setting "Amazon EventBridge: On") for uploads to start ingestion.
   * @default - a new SSE-KMS, versioned, TLS-only, access-logged bucket
   */
  readonly seedBucket?: s3.IBucket;
  /**
   * An existing bucket to land synthetic data and manifests in.
   * @default - a new SSE-KMS, versioned, TLS-only, access-logged bucket
   */
  readonly outputBucket?: s3.IBucket;
  /**
   * The customer-managed key for everything the construct creates (buckets, table, secret,
   * logs, queues, topic, state machines, Lambda environments) and for the token cache.
   * An imported key must already allow CloudWatch Logs (see the README, "Infrastructure").
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * An existing secret holding the vendor credential JSON
   * `{ client_id, client_secret, token_url, audience, api_base }`.
   * @default - a new secret encrypted with `encryptionKey`, holding a generated placeholder that
   * `simulacra-pipeline claim --secret-id <arn>` replaces
   */
  readonly credentialsSecret?: secretsmanager.ISecret;
  /**
   * Rotate the created credential secret automatically with `lambdas/rotate-credentials.ts`.
   * @default - no automatic rotation (rotate with the CLI)
   */
  readonly credentialsRotation?: SimulacraCredentialsRotationProps;
  /**
   * The name of an existing Glue database to register feed tables in.
   * @default - a new database named after this construct's path
   */
  readonly glueDatabaseName?: string;
  /**
   * Enterprise mode: the KMS key Simulacra wraps artifact data keys with; the landing function
   * may only `kms:Decrypt` with it.
   * @default - none (managed mode)
   */
  readonly artifactDecryptionKey?: kms.IKey;
  /**
   * Feeds known at deploy time: each gets example Athena queries, and schedules must name one.
   * @default - the feeds named by `schedules`
   */
  readonly feeds?: readonly string[];
  /**
   * Recurring generation runs.
   * @default - none (start the generate state machine on demand)
   */
  readonly schedules?: readonly SimulacraScheduleProps[];
  /**
   * How many scenarios one run generates in parallel (ASL Map `MaxConcurrency`), 1..40.
   * @default 4
   */
  readonly mapMaxConcurrency?: number;
  /**
   * Reserved concurrency of each function that calls the vendor, 1..100, to cap parallel
   * vendor requests.
   * @default - unreserved (account concurrency)
   */
  readonly vendorConcurrency?: number;
  /**
   * Retention of the function and state machine logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to stateful resources (buckets, table, key, secret, logs) on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Send alarm changes and failed-run events to an SNS topic.
   * @default false
   */
  readonly enableNotifications?: boolean;
  /**
   * An existing topic for notifications (implies `enableNotifications`).
   * @default - a new topic encrypted with `encryptionKey` when `enableNotifications` is true
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * CloudWatch namespace of the pipeline's metrics (Powertools and the quota metric filter).
   * @default 'SimulacraPipeline'
   */
  readonly metricsNamespace?: string;
}

/** Event source of the pipeline's run events on the custom bus. */
export const PIPELINE_EVENT_SOURCE = EVENT_SOURCE;

const DEFAULT_API_BASE = 'https://api.simulacra-data.com';
const DEFAULT_MAP_MAX_CONCURRENCY = 4;
const DEFAULT_FLEXIBLE_WINDOW = Duration.minutes(15);
const ROTATION_ENTRY = 'lambdas/rotate-credentials.ts';
const S3_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Whether a function reads the vendor credential (and so calls the vendor API). */
function callsVendor(spec: PipelineFunctionSpec): boolean {
  return spec.env.includes(PipelineEnv.credentialsSecretArn);
}

/** Whether a function writes landed objects: only those given the output key encrypt with it. */
function writesOutput(spec: PipelineFunctionSpec): boolean {
  return spec.env.includes(PipelineEnv.outputKmsKeyArn);
}

/** Glue-safe identifier derived from a construct path. */
function glueSafeName(scope: Construct): string {
  return `simulacra_${Names.uniqueResourceName(scope, { maxLength: 60, separator: '_' })}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

/**
 * An on-failure destination on an SSE-KMS queue that grants exactly `sqs:SendMessage` and the two
 * key actions sending needs (the stock `SqsDestination` grants `kms:ReEncrypt*`/`GenerateDataKey*`).
 */
class EncryptedQueueDestination implements lambda.IDestination {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly key: kms.IKey,
  ) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.key.keyArn],
    });
    return { destination: this.queue.queueArn };
  }
}

/**
 * The Simulacra integration: buckets, credential secret, state table, Glue database, Athena
 * workgroup, Lambda functions, the ingest and generate state machines, schedules, an event bus
 * for run outcomes, alarms and a dashboard.
 */
export class SimulacraPipeline extends Construct {
  /** The key encrypting the construct's resources at rest. */
  readonly encryptionKey: kms.IKey;
  readonly seedBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  /** Server access logs of the created buckets (undefined when both buckets were passed in). */
  readonly accessLogsBucket?: s3.IBucket;
  /** Athena query results (SSE-KMS, enforced by the workgroup). */
  readonly queryResultsBucket: s3.IBucket;
  readonly credentialsSecret: secretsmanager.ISecret;
  /** Feeds, runs and the shared token cache (`pk`/`sk`, TTL attribute `ttl`). */
  readonly stateTable: dynamodb.Table;
  readonly glueDatabaseName: string;
  readonly athenaWorkGroup: athena.CfnWorkGroup;
  /** Run success/failure events (`source: simulacra.pipeline`). */
  readonly eventBus: events.EventBus;
  readonly notificationTopic?: sns.ITopic;
  readonly ingestStateMachine: sfn.StateMachine;
  readonly generateStateMachine: sfn.StateMachine;
  /** Pipeline functions by their id in `lib/pipeline-functions.ts`. */
  readonly functions: Readonly<Record<string, nodejs.NodejsFunction>>;
  readonly rotationFunction?: nodejs.NodejsFunction;
  /** Failed starter invocations and failed schedule deliveries. */
  readonly deadLetterQueue: sqs.Queue;
  readonly schedules: readonly scheduler.Schedule[];
  readonly monitoring: PipelineMonitoring;
  readonly metricsNamespace: string;

  /** The key resources here are encrypted with (a reference when the key lives elsewhere). */
  private readonly key: kms.IKey;
  private readonly outputKey: kms.IKey;
  private readonly quotaMetricName = 'VendorQuotaExhausted';

  constructor(scope: Construct, id: string, props: SimulacraPipelineProps = {}) {
    super(scope, id);
    // Access log delivery through a bucket policy (not the legacy LogDeliveryWrite ACL), so the
    // log bucket can keep ACLs disabled whatever the app's feature flags say.
    this.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    validateSimulacraPipelineProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const mapMaxConcurrency = props.mapMaxConcurrency ?? DEFAULT_MAP_MAX_CONCURRENCY;
    this.metricsNamespace = props.metricsNamespace ?? 'SimulacraPipeline';

    const key = props.encryptionKey
      ? this.keyInThisStack(props.encryptionKey, 'EncryptionKeyRef')
      : createEncryptionKey(this, 'Key', removalPolicy);
    this.encryptionKey = props.encryptionKey ?? key;
    this.key = key;

    // Storage
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
      ? this.keyInThisStack(this.outputBucket.encryptionKey, 'OutputKeyRef')
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

    this.credentialsSecret =
      props.credentialsSecret ?? this.createCredentialsSecret(key, props, removalPolicy);

    // Catalog and query
    if (props.glueDatabaseName !== undefined) {
      this.glueDatabaseName = props.glueDatabaseName;
    } else {
      this.glueDatabaseName = glueSafeName(this);
      new glue.CfnDatabase(this, 'GlueDatabase', {
        catalogId: Stack.of(this).account,
        databaseInput: {
          name: this.glueDatabaseName,
          description: 'Synthetic data landed by the Simulacra pipeline (one table per feed).',
        },
      });
    }
    this.athenaWorkGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }).toLowerCase(),
      description: 'Queries over Simulacra synthetic data; results are SSE-KMS encrypted.',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: this.queryResultsBucket.s3UrlForObject('results/'),
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn },
        },
      },
    });

    // Events
    this.eventBus = new events.EventBus(this, 'EventBus', {
      description: 'Simulacra pipeline run outcomes',
      kmsKey: key,
    });
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

    // Functions and state machines
    const functions = this.createFunctions(key, props, logRetention, removalPolicy);
    this.functions = functions;
    const arnPlaceholders = Object.fromEntries(
      pipelineFunctions
        .filter((spec) => spec.aslPlaceholder !== null)
        .map((spec) => [spec.aslPlaceholder as string, this.fn(spec.id).functionArn]),
    );
    const valuePlaceholders: Record<(typeof aslValuePlaceholders)[number], string> = {
      MapMaxConcurrency: String(mapMaxConcurrency),
    };
    const available = { ...arnPlaceholders, ...valuePlaceholders };
    this.ingestStateMachine = this.createStateMachine(
      'ingest',
      'Ingest',
      available,
      key,
      logRetention,
      removalPolicy,
    );
    this.generateStateMachine = this.createStateMachine(
      'generate',
      'Generate',
      available,
      key,
      logRetention,
      removalPolicy,
    );
    for (const spec of pipelineFunctions) {
      if (spec.env.includes(PipelineEnv.ingestStateMachineArn)) {
        const fn = this.fn(spec.id);
        fn.addEnvironment(PipelineEnv.ingestStateMachineArn, this.ingestStateMachine.stateMachineArn);
        this.allowStartExecution(fn, this.ingestStateMachine, key);
      }
    }

    this.wireSeedUploads();
    if (props.credentialsRotation && !props.credentialsSecret) {
      this.rotationFunction = this.createRotation(
        key,
        props.credentialsRotation,
        logRetention,
        removalPolicy,
      );
    } else if (!props.credentialsSecret) {
      acknowledgeNag(this.credentialsSecret, {
        id: 'AwsSolutions-SMG4',
        reason:
          'Simulacra rotation is rate-limited (3 per 24 h) and may need operator approval, so automatic rotation is opt-in (credentialsRotation); the CLI rotates on demand.',
      });
    }
    this.schedules = this.createSchedules(props, key);
    this.createFeedQueries(props);
    this.routeFailureNotifications();

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stateMachines: { Ingest: this.ingestStateMachine, Generate: this.generateStateMachine },
      functions: {
        ...functions,
        ...(this.rotationFunction ? { RotateCredentials: this.rotationFunction } : {}),
      },
      deadLetterQueues: { DeadLetterQueue: this.deadLetterQueue },
      vendorQuotaExhausted: this.metricVendorQuotaExhausted(),
      ...(this.notificationTopic ? { alarmTopic: this.notificationTopic } : {}),
    });
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
      resourceArns: this.glueArns(),
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

  private vendorQuotaFilterMetricValue?: cloudwatch.Metric;

  private get vendorQuotaFilterMetric(): cloudwatch.Metric {
    if (!this.vendorQuotaFilterMetricValue) {
      throw new Error('SimulacraPipeline: the vendor quota metric is created with the functions');
    }
    return this.vendorQuotaFilterMetricValue;
  }

  /**
   * `key` itself when this stack owns it; otherwise a reference by ARN, so nothing here edits the
   * policy of a key defined elsewhere (which would make that stack depend on this one). Such a
   * key's policy must already allow what the README's "Infrastructure" section lists.
   */
  private keyInThisStack(key: kms.IKey, id: string): kms.IKey {
    if (key instanceof kms.Key && Stack.of(key) === Stack.of(this)) return key;
    return kms.Key.fromKeyArn(this, id, key.keyArn);
  }

  private fn(id: string): nodejs.NodejsFunction {
    const fn = this.functions[id];
    if (!fn) throw new Error(`SimulacraPipeline: no function "${id}" in lib/pipeline-functions.ts`);
    return fn;
  }

  private glueArns(): string[] {
    const stack = Stack.of(this);
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.glueDatabaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.glueDatabaseName}/*` }),
    ];
  }

  private createCredentialsSecret(
    key: kms.IKey,
    props: SimulacraPipelineProps,
    removalPolicy: RemovalPolicy,
  ): secretsmanager.Secret {
    return new secretsmanager.Secret(this, 'CredentialsSecret', {
      description:
        'Simulacra vendor credential JSON. Holds a generated placeholder until `simulacra-pipeline claim --secret-id <arn>` stores the claimed credential.',
      encryptionKey: key,
      removalPolicy,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({
          client_id: '',
          token_url: '',
          audience: '',
          api_base: props.apiBase ?? DEFAULT_API_BASE,
        }),
        generateStringKey: 'client_secret',
        passwordLength: 48,
        excludePunctuation: true,
      },
    });
  }

  private createFunctions(
    key: kms.IKey,
    props: SimulacraPipelineProps,
    logRetention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): Record<string, nodejs.NodejsFunction> {
    const values: Record<Exclude<PipelineEnvName, 'INGEST_STATE_MACHINE_ARN'>, string> = {
      [PipelineEnv.credentialsSecretArn]: this.credentialsSecret.secretArn,
      [PipelineEnv.stateTableName]: this.stateTable.tableName,
      [PipelineEnv.tokenCacheKeyArn]: key.keyArn,
      [PipelineEnv.seedBucketName]: this.seedBucket.bucketName,
      [PipelineEnv.outputBucketName]: this.outputBucket.bucketName,
      [PipelineEnv.outputKmsKeyArn]: this.outputKey.keyArn,
      [PipelineEnv.artifactKmsKeyArn]: props.artifactDecryptionKey?.keyArn ?? '',
      [PipelineEnv.glueDatabaseName]: this.glueDatabaseName,
      [PipelineEnv.eventBusName]: this.eventBus.eventBusName,
    };
    const functions: Record<string, nodejs.NodejsFunction> = {};
    const quotaLogGroups: logs.ILogGroup[] = [];
    for (const spec of pipelineFunctions) {
      const environment: Record<string, string> = {};
      for (const name of spec.env) {
        if (name !== PipelineEnv.ingestStateMachineArn) environment[name] = values[name];
      }
      const { fn, logGroup } = this.createFunction(spec.id, {
        entry: spec.entry,
        memoryMb: spec.memoryMb,
        timeout: Duration.seconds(spec.timeoutSeconds),
        ...(spec.ephemeralStorageMb !== undefined ? { ephemeralStorageMb: spec.ephemeralStorageMb } : {}),
        environment,
        key,
        logRetention,
        removalPolicy,
        ...(callsVendor(spec) && props.vendorConcurrency !== undefined
          ? { reservedConcurrency: props.vendorConcurrency }
          : {}),
      });
      this.grantByEnvironment(fn, spec, key, props);
      if (callsVendor(spec)) quotaLogGroups.push(logGroup);
      functions[spec.id] = fn;
    }
    let metric: cloudwatch.Metric | undefined;
    quotaLogGroups.forEach((logGroup, index) => {
      const filter = new logs.MetricFilter(this, `VendorQuotaFilter${index}`, {
        logGroup,
        filterPattern: logs.FilterPattern.literal('"simio_quota_exhausted"'),
        metricNamespace: this.metricsNamespace,
        metricName: this.quotaMetricName,
        metricValue: '1',
      });
      metric ??= filter.metric();
    });
    this.vendorQuotaFilterMetricValue = metric;
    return functions;
  }

  private createFunction(
    id: string,
    options: {
      readonly entry: string;
      readonly memoryMb: number;
      readonly timeout: Duration;
      readonly ephemeralStorageMb?: number;
      readonly environment: Record<string, string>;
      readonly key: kms.IKey;
      readonly logRetention: logs.RetentionDays;
      readonly removalPolicy: RemovalPolicy;
      readonly reservedConcurrency?: number;
    },
  ): { fn: nodejs.NodejsFunction; logGroup: logs.LogGroup } {
    const logGroup = createEncryptedLogGroup(this, `${id}Logs`, {
      encryptionKey: options.key,
      retention: options.logRetention,
      removalPolicy: options.removalPolicy,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Simulacra ${id} function`,
    });
    logGroup.grantWrite(role);
    const fn = new nodejs.NodejsFunction(this, id, {
      entry: path.join(PROJECT_ROOT, options.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memoryMb,
      timeout: options.timeout,
      ...(options.ephemeralStorageMb !== undefined
        ? { ephemeralStorageSize: Size.mebibytes(options.ephemeralStorageMb) }
        : {}),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environmentEncryption: options.key,
      ...(options.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrency }
        : {}),
      environment: {
        ...options.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'simulacra-pipeline',
        POWERTOOLS_METRICS_NAMESPACE: this.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.DEFAULT,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        bundleAwsSDK: true,
        forceDockerBundling: false,
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    acknowledgeNag(role, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only actions without resource-level permissions use "*": X-Ray PutTraceSegments/PutTelemetryRecords (tracing is on) and, for the rotation function, secretsmanager:GetRandomPassword.',
    });
    skipCheckov(
      fn,
      {
        id: 'CKV_AWS_117',
        comment:
          'No VPC: the functions reach the Simulacra API on the internet and AWS APIs only; a VPC adds NAT cost without a private resource to protect.',
      },
      {
        id: 'CKV_AWS_116',
        comment:
          'Invoked synchronously by Step Functions (retries and failures are handled in the ASL); the one asynchronously invoked function has an on-failure destination.',
      },
      ...(options.reservedConcurrency === undefined
        ? [
            {
              id: 'CKV_AWS_115',
              comment:
                'Reserved concurrency is opt-in (vendorConcurrency): reserving it by default fails deployment in accounts with the default concurrency quota.',
            },
          ]
        : []),
    );
    return { fn, logGroup };
  }

  /**
   * Object-level access under `prefixes` of `bucket` (plus `s3:ListBucket`, so a missing key is a
   * 404 rather than a 403). The prefix wildcard is acknowledged per resource.
   */
  private allowObjects(
    fn: nodejs.NodejsFunction,
    bucket: s3.IBucket,
    prefixes: readonly string[],
    actions: readonly string[],
  ): void {
    const objectArns = prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources: objectArns }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
    );
    for (const arn of objectArns) {
      acknowledgeWildcardResource(
        fn.role ?? fn,
        arn,
        'Object keys under this prefix are data-driven (feed, scenario, date, id); access is limited to the one prefix of the one bucket.',
      );
    }
  }

  /** Grants follow the environment: each variable a function reads gives the access it implies. */
  private grantByEnvironment(
    fn: nodejs.NodejsFunction,
    spec: PipelineFunctionSpec,
    key: kms.IKey,
    props: SimulacraPipelineProps,
  ): void {
    const stack = Stack.of(this);
    for (const name of spec.env) {
      switch (name) {
        case PipelineEnv.credentialsSecretArn:
          this.credentialsSecret.grantRead(fn);
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
              resources: [this.stateTable.tableArn],
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
          this.allowObjects(fn, this.seedBucket, ['seeds/'], ['s3:GetObject', 's3:GetObjectVersion']);
          if (this.seedBucket.encryptionKey) grantKeyUse(fn, this.seedBucket.encryptionKey, 'kms:Decrypt');
          break;
        case PipelineEnv.outputBucketName:
          if (writesOutput(spec)) {
            this.allowObjects(
              fn,
              this.outputBucket,
              [`${DATA_PREFIX}/`, `${MANIFEST_PREFIX}/`],
              ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
            );
          } else {
            this.allowObjects(
              fn,
              this.outputBucket,
              [`${DATA_PREFIX}/`, `${MANIFEST_PREFIX}/`],
              ['s3:GetObject'],
            );
            grantKeyUse(fn, this.outputKey, 'kms:Decrypt');
          }
          break;
        case PipelineEnv.outputKmsKeyArn:
          grantKeyUse(fn, this.outputKey, 'kms:GenerateDataKey', 'kms:Decrypt');
          break;
        case PipelineEnv.artifactKmsKeyArn:
          if (props.artifactDecryptionKey) grantKeyUse(fn, props.artifactDecryptionKey, 'kms:Decrypt');
          break;
        case PipelineEnv.glueDatabaseName: {
          const [, , tables] = this.glueArns();
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
              resources: this.glueArns(),
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
          this.eventBus.grantPutEventsTo(fn);
          grantKeyUse(fn, key, 'kms:GenerateDataKey');
          break;
        case PipelineEnv.ingestStateMachineArn:
          // The starter tags rejected seed versions (start permission is granted once the
          // state machine exists).
          this.allowObjects(
            fn,
            this.seedBucket,
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

  /** `states:StartExecution` on one state machine, with the key use its encryption requires. */
  private allowStartExecution(grantee: iam.IGrantable, machine: sfn.StateMachine, key: kms.IKey): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:StartExecution'],
      resourceArns: [machine.stateMachineArn],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': machine.stateMachineArn },
      },
    });
  }

  private createStateMachine(
    name: StateMachineName,
    id: string,
    available: Readonly<Record<string, string>>,
    key: kms.IKey,
    logRetention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): sfn.StateMachine {
    const definition = loadAslDefinition(STATE_MACHINE_FILES[name]);
    const logGroup = createEncryptedLogGroup(this, `${id}StateMachineLogs`, {
      // The /aws/vendedlogs/ prefix keeps Step Functions log delivery from growing the account's
      // (size-limited) CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}-${id}`,
      encryptionKey: key,
      retention: logRetention,
      removalPolicy,
    });
    const machine = new sfn.StateMachine(this, `${id}StateMachine`, {
      definitionBody: sfn.DefinitionBody.fromFile(definition.file),
      definitionSubstitutions: substitutionsFor(definition, available),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(key),
    });
    const invoked = pipelineFunctions
      .filter((spec) => spec.aslPlaceholder !== null && definition.placeholders.includes(spec.aslPlaceholder))
      .map((spec) => this.fn(spec.id).functionArn);
    if (invoked.length > 0) {
      machine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: invoked }),
      );
    }
    acknowledgeNag(machine, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:*LogDelivery, Describe*) and X-Ray actions only accept Resource "*" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).',
    });
    return machine;
  }

  /** S3 "Object Created" events under `seeds/` go to the starter function, with a DLQ. */
  private wireSeedUploads(): void {
    const starterSpecs = pipelineFunctions.filter((spec) =>
      spec.env.includes(PipelineEnv.ingestStateMachineArn),
    );
    for (const spec of starterSpecs) {
      const starter = this.fn(spec.id);
      starter.configureAsyncInvoke({
        onFailure: new EncryptedQueueDestination(this.deadLetterQueue, this.key),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
      new events.Rule(this, `${spec.id}SeedUploadedRule`, {
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
    }
  }

  private createRotation(
    key: kms.IKey,
    rotation: SimulacraCredentialsRotationProps,
    logRetention: logs.RetentionDays,
    removalPolicy: RemovalPolicy,
  ): nodejs.NodejsFunction {
    // Secrets Manager passes the secret id in each rotation event, so the function needs no
    // environment; the rotation schedule grants it exactly the secret and key actions it uses.
    const { fn } = this.createFunction('RotateCredentials', {
      entry: ROTATION_ENTRY,
      memoryMb: 256,
      timeout: Duration.minutes(5),
      environment: {},
      key,
      logRetention,
      removalPolicy,
    });
    (this.credentialsSecret as secretsmanager.Secret).addRotationSchedule('Rotation', {
      rotationLambda: fn,
      automaticallyAfter: rotation.schedule,
    });
    // Only rotations of this secret may invoke the function (the stock permission names just the
    // service principal).
    for (const child of fn.node.findAll()) {
      if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
        child.sourceArn = this.credentialsSecret.secretArn;
      }
    }
    return fn;
  }

  private createSchedules(props: SimulacraPipelineProps, key: kms.IKey): scheduler.Schedule[] {
    const entries = props.schedules ?? [];
    if (entries.length === 0) return [];
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler role that starts Simulacra generation runs',
    });
    grantKeyUse(role, key, 'kms:GenerateDataKey', 'kms:Decrypt');
    return entries.map((entry, index) => {
      return new scheduler.Schedule(this, `Schedule${index}`, {
        description: entry.description ?? `Simulacra generation for feed ${entry.feed}`,
        schedule: entry.schedule,
        enabled: entry.enabled ?? true,
        timeWindow: scheduler.TimeWindow.flexible(entry.flexibleWindow ?? DEFAULT_FLEXIBLE_WINDOW),
        target: new schedulerTargets.StepFunctionsStartExecution(this.generateStateMachine, {
          role,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          input: scheduler.ScheduleTargetInput.fromObject({
            feed: entry.feed,
            ...(entry.scenarios ? { scenarios: [...entry.scenarios] } : {}),
            trigger: 'schedule',
            // The scheduled time identifies the slot: a retried delivery carries the same value,
            // so the run id (and the generation idempotency keys) stay the same.
            slot: scheduler.ContextAttribute.scheduledTime,
          }),
        }),
      });
    });
  }

  private createFeedQueries(props: SimulacraPipelineProps): void {
    const feeds = props.feeds ?? [...new Set((props.schedules ?? []).map((entry) => entry.feed))];
    feeds.forEach((feed, index) => {
      const table = `"${this.glueDatabaseName}"."${tableNameFor(feed)}"`;
      const queries = [
        {
          id: 'Partitions',
          name: `${feed}: rows per scenario and day`,
          sql: `SELECT scenario, dt, count(*) AS row_count FROM ${table} GROUP BY scenario, dt ORDER BY dt DESC, scenario LIMIT 100;`,
        },
        {
          id: 'Latest',
          name: `${feed}: sample of the latest day`,
          sql: `SELECT * FROM ${table} WHERE dt = (SELECT max(dt) FROM ${table}) LIMIT 100;`,
        },
      ];
      for (const query of queries) {
        new athena.CfnNamedQuery(this, `Feed${index}${query.id}Query`, {
          database: this.glueDatabaseName,
          workGroup: this.athenaWorkGroup.ref,
          name: query.name,
          description: `Example query over the ${feed} feed`,
          queryString: query.sql,
        });
      }
    });
  }

  /** Failed runs published on the bus are forwarded to the notification topic. */
  private routeFailureNotifications(): void {
    if (!this.notificationTopic) return;
    new events.Rule(this, 'RunFailedRule', {
      eventBus: this.eventBus,
      description: 'Forward failed Simulacra runs to the notification topic',
      eventPattern: { source: [EVENT_SOURCE], detailType: [FAILED_DETAIL_TYPE] },
      targets: [
        new eventsTargets.SnsTopic(this.notificationTopic, { deadLetterQueue: this.deadLetterQueue }),
      ],
    });
  }
}
