/**
 * The props of `SimulacraPipeline` and their defaults. Kept apart from the construct so the
 * validation (`props-validation.ts`) and the parts read them without importing the construct.
 */
import { createHash } from 'node:crypto';
import type { QualityGateThresholds } from '../src/quality/gate-settings.ts';
import { Duration, type RemovalPolicy, type Size } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';

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
  /**
   * Whether the schedule runs. `true`: enabled from deployment (for a feed that already has a
   * dataset); `false`: kept disabled (not deleted) until you enable it. Left unset, the schedule
   * is created DISABLED and the pipeline enables it when the feed's first ingest run succeeds
   * (a generation before then would have no dataset to generate from; one that still starts is
   * recorded as SKIPPED, not FAILED). A later deployment that changes the schedule sends its
   * DISABLED state again: the feed's next successful ingest enables it again, or enable it in
   * the console (docs/runbook.md, "Schedules").
   * @default - disabled until the feed has a dataset, then enabled by the pipeline
   */
  readonly enabled?: boolean;
  /** Shown in the EventBridge Scheduler console. @default - "Simulacra generation for feed <feed>" */
  readonly description?: string;
  /**
   * A name for this schedule, unique in the pipeline, that keys its construct id (so its logical
   * id survives reordering and edits of the schedule). Same rule as scenario names.
   * @default - the feed plus a hash of the schedule expression and the scenarios
   */
  readonly name?: string;
}

/** Automatic rotation of the vendor credential through Simulacra's self-service rotation. */
export interface SimulacraCredentialsRotationProps {
  /** Time between rotations (whole days; Simulacra allows 3 rotations per 24 h). */
  readonly schedule: Duration;
}

/** Settings of one pipeline function that replace the construct's defaults. */
export interface SimulacraFunctionOverrides {
  /** Memory in MB, 128..10240. @default - the function's default in lib/pipeline-functions.ts */
  readonly memorySize?: number;
  /** 1 second..15 minutes. @default - the function's default in lib/pipeline-functions.ts */
  readonly timeout?: Duration;
  /** Reserved concurrency, 0..1000. @default - `vendorConcurrency` for vendor-calling functions, else unreserved */
  readonly reservedConcurrency?: number;
  /** Instruction set (the prebuilt bundles run on both). @default lambda.Architecture.ARM_64 */
  readonly architecture?: lambda.Architecture;
  /**
   * `/tmp` size, 512 MiB..10 GiB in whole MiB. LandArtifact spools Parquet and Arrow artifacts there
   * and refuses one that cannot fit, naming this setting.
   * @default - the function's default in lib/pipeline-functions.ts (Lambda's 512 MiB unless set there)
   */
  readonly ephemeralStorageSize?: Size;
}

/** Props of `SimulacraPipeline`. Every prop is optional; the defaults are the secure choice. */
export interface SimulacraPipelineProps {
  /**
   * Simulacra API origin, written into the placeholder credential secret.
   * @default 'https://api.simulacra-data.com'
   */
  readonly apiBase?: string;
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
   * An imported key must already allow CloudWatch Logs (see docs/construct.md, "Bringing your own key").
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
   * Enterprise delivery: the KMS key Simulacra wraps artifact data keys with (setting it is what
   * turns enterprise mode on); only the landing function may `kms:Decrypt` with it.
   * @default - none (managed mode: artifacts come from Simulacra's store unencrypted)
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
   * Shared pacing of vendor requests: every vendor-calling function of the deployment takes its
   * turn from one token bucket in the state table, at this many requests per second. A run whose
   * turn is more than a second away waits in a Step Functions Wait state instead of colliding with
   * the vendor's rate limit (docs/runbook.md, "Throttling and pacing"). Set it a little below the rate your
   * Simulacra agreement allows. 0.1..1000.
   * @default - no shared pacing (each call honours the vendor's 429 Retry-After on its own)
   */
  readonly vendorRequestsPerSecond?: number;
  /**
   * Enterprise mode: your Simulacra tenant id (`ten_...`). Every artifact envelope's
   * `encryption_context.tenant_id` must name it, checked before any download or KMS call.
   * Plaintext (`managed`) artifacts are refused in enterprise mode whether or not it is set.
   * @default - only the envelope's generation id is checked (KMS still binds the whole context)
   */
  readonly artifactTenantId?: string;
  /**
   * Vendor requests that may go at once after a quiet spell (the bucket size), 1..1000.
   * @default - vendorRequestsPerSecond rounded up
   */
  readonly vendorRequestBurst?: number;
  /**
   * Per-function settings keyed by function id (`StartIngest`, `UploadSeed`, `PollJob`,
   * `ResolveScenarios`, `CreateGeneration`, `LandArtifact`, `RegisterCatalog`, `RecordRun`,
   * `PrepareFeed`, ... as listed in `lib/pipeline-functions.ts`).
   * @default - each function's defaults
   */
  readonly functionOverrides?: Readonly<Record<string, SimulacraFunctionOverrides>>;
  /**
   * A VPC to run every function in (the pipeline functions and the rotation function). The
   * subnets need a route to the Simulacra API (NAT) and to the AWS APIs the functions call (NAT or
   * VPC endpoints, see docs/construct.md, "Running in a VPC"); the functions' roles get the
   * network-interface permissions Lambda requires.
   * @default - the functions run outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` to place the functions in (requires `vpc`).
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The security groups of every function (requires `vpc`).
   * @default - one group for all functions allowing only outbound HTTPS (TCP 443)
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * Create the CloudWatch alarms (docs/runbook.md).
   * @default true
   */
  readonly enableAlarms?: boolean;
  /**
   * Create the CloudWatch dashboard.
   * @default true
   */
  readonly enableDashboard?: boolean;
  /**
   * Map the functions' stack traces to the TypeScript sources (`NODE_OPTIONS=--enable-source-maps`).
   * Off by default: when on, Node reads and decodes each bundle's source map on every cold start,
   * before the first invocation (BENCHMARKS.md, "Cold start"). The `.map` files ship in every
   * function's asset either way, so a trace from the minified bundle can be mapped offline.
   * @default false
   */
  readonly enableSourceMaps?: boolean;
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
  /**
   * The fidelity and privacy report of every landed generation and its publish gate
   * (see docs/quality.md).
   * @default - report on; gate: no verbatim seed rows beyond what a holdout split shows
   * (excess ≤ 0.01), QI match excess ≤ 0.05; DCR and fidelity reported, not gated
   */
  readonly quality?: SimulacraQualityProps;
}

/** The quality report, publish gate and metrics table. */
export interface SimulacraQualityProps {
  /**
   * Compute the report and gate publication on it.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Gate thresholds every scenario gets unless its `quality.gate` says otherwise (null: check off).
   * @default - DEFAULT_GATE of src/quality/gate-settings.ts
   */
  readonly gate?: Partial<QualityGateThresholds>;
  /**
   * Name of the Glue table of quality metrics (one row per generation).
   * @default 'quality_metrics'
   */
  readonly metricsTableName?: string;
}

export const DEFAULT_API_BASE = 'https://api.simulacra-data.com';
export const DEFAULT_MAP_MAX_CONCURRENCY = 4;
export const DEFAULT_FLEXIBLE_WINDOW = Duration.minutes(15);
export const DEFAULT_METRICS_NAMESPACE = 'SimulacraPipeline';

/**
 * The construct id of a schedule: keyed by its name, or by its feed, expression and scenarios,
 * never by its position in `schedules`.
 */
export function scheduleConstructId(entry: SimulacraScheduleProps): string {
  if (entry.name !== undefined) return `Schedule-${entry.name}`;
  const slot = `${entry.schedule.expressionString}|${[...(entry.scenarios ?? [])].sort().join(',')}`;
  const hash = createHash('sha256').update(slot).digest('hex').slice(0, 8);
  return `Schedule-${entry.feed}-${hash}`;
}
