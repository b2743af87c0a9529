/**
 * The demo deployment: one `SimulacraPipeline` configured from `cdk.json` context
 * (`simulacra:*` keys), with cdk-nag's AWS Solutions checks applied by `bin/app.ts`.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct, Node } from 'constructs';
import { SimulacraPipeline, type SimulacraScheduleProps } from './simulacra-pipeline.ts';

/** `cdk.json` context keys the demo stack reads. */
export const ContextKeys = {
  apiBase: 'simulacra:apiBase',
  artifactKeyArn: 'simulacra:artifactKeyArn',
  feeds: 'simulacra:feeds',
  schedules: 'simulacra:schedules',
  mapMaxConcurrency: 'simulacra:mapMaxConcurrency',
  notifications: 'simulacra:notifications',
  credentialsRotationDays: 'simulacra:credentialsRotationDays',
} as const;

/** Context key of the removed `mode` setting (refused with how to migrate). */
const REMOVED_MODE_KEY = 'simulacra:mode';

/** A context value has the wrong shape; the message names the key and the expected form. */
export class ContextValueError extends Error {
  override readonly name = 'ContextValueError';
}

/** Demo settings, as read from context. */
export interface DemoSettings {
  readonly apiBase?: string;
  readonly artifactKeyArn?: string;
  readonly feeds: readonly string[];
  readonly schedules: readonly {
    readonly feed: string;
    readonly expression: string;
    readonly scenarios?: string[];
    /**
     * Unset: deployed disabled and enabled by the pipeline once the feed's first ingest succeeds
     * (`SimulacraScheduleProps.enabled`); `true`/`false`: enabled or kept disabled from deployment.
     */
    readonly enabled?: boolean;
  }[];
  readonly mapMaxConcurrency?: number;
  readonly notifications: boolean;
  /** Days between automatic credential rotations (no automatic rotation when unset). */
  readonly credentialsRotationDays?: number;
}

const demoDefaults = {
  feeds: ['customers'],
  schedules: [{ feed: 'customers', expression: 'cron(0 6 * * ? *)' }],
} as const;

function parseJsonish(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  // `cdk synth -c key=value` passes strings; accept JSON there too.
  if (typeof value === 'string' && /^[[{]/.test(value.trim())) {
    try {
      return JSON.parse(value) as unknown;
    } catch (err) {
      throw new ContextValueError(`context ${key} is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return value;
}

/** Reads and checks the `simulacra:*` context values (undefined values take the demo defaults). */
export function readDemoSettings(node: Node): DemoSettings {
  const problems: string[] = [];
  const apiBase = node.tryGetContext(ContextKeys.apiBase) as unknown;
  if (apiBase !== undefined && typeof apiBase !== 'string')
    problems.push(`${ContextKeys.apiBase} must be a string URL`);
  if (node.tryGetContext(REMOVED_MODE_KEY) !== undefined) {
    problems.push(
      `${REMOVED_MODE_KEY} was removed: enterprise mode is on when ${ContextKeys.artifactKeyArn} is set; delete ${REMOVED_MODE_KEY}`,
    );
  }
  const artifactKeyArn = node.tryGetContext(ContextKeys.artifactKeyArn) as unknown;
  if (
    artifactKeyArn !== undefined &&
    (typeof artifactKeyArn !== 'string' || !artifactKeyArn.startsWith('arn:'))
  ) {
    problems.push(`${ContextKeys.artifactKeyArn} must be a KMS key ARN (arn:aws:kms:...)`);
  }
  const feeds = parseJsonish(node, ContextKeys.feeds) ?? demoDefaults.feeds;
  if (!Array.isArray(feeds) || !feeds.every((feed) => typeof feed === 'string')) {
    problems.push(`${ContextKeys.feeds} must be a list of feed names, e.g. ["customers"]`);
  }
  const schedules = parseJsonish(node, ContextKeys.schedules) ?? demoDefaults.schedules;
  const scheduleOk = (entry: unknown): boolean => {
    if (typeof entry !== 'object' || entry === null) return false;
    const record = entry as Record<string, unknown>;
    return (
      typeof record['feed'] === 'string' &&
      typeof record['expression'] === 'string' &&
      (record['scenarios'] === undefined ||
        (Array.isArray(record['scenarios']) && record['scenarios'].every((s) => typeof s === 'string'))) &&
      (record['enabled'] === undefined || typeof record['enabled'] === 'boolean')
    );
  };
  if (!Array.isArray(schedules) || !schedules.every(scheduleOk)) {
    problems.push(
      `${ContextKeys.schedules} must be a list like [{"feed":"customers","expression":"cron(0 6 * * ? *)","scenarios":["baseline"]}]`,
    );
  }
  const concurrency = node.tryGetContext(ContextKeys.mapMaxConcurrency) as unknown;
  const mapMaxConcurrency = typeof concurrency === 'string' ? Number(concurrency) : concurrency;
  if (mapMaxConcurrency !== undefined && typeof mapMaxConcurrency !== 'number') {
    problems.push(`${ContextKeys.mapMaxConcurrency} must be a number`);
  }
  const notifications = node.tryGetContext(ContextKeys.notifications) as unknown;
  const rotation = node.tryGetContext(ContextKeys.credentialsRotationDays) as unknown;
  const credentialsRotationDays = typeof rotation === 'string' ? Number(rotation) : rotation;
  if (
    credentialsRotationDays !== undefined &&
    (typeof credentialsRotationDays !== 'number' || !Number.isInteger(credentialsRotationDays))
  ) {
    problems.push(`${ContextKeys.credentialsRotationDays} must be a whole number of days, e.g. 30`);
  }
  if (problems.length > 0) {
    throw new ContextValueError(`Invalid cdk.json context:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    ...(typeof apiBase === 'string' ? { apiBase } : {}),
    ...(typeof artifactKeyArn === 'string' ? { artifactKeyArn } : {}),
    feeds: feeds as string[],
    schedules: schedules as DemoSettings['schedules'],
    ...(typeof mapMaxConcurrency === 'number' ? { mapMaxConcurrency } : {}),
    notifications: notifications === true || notifications === 'true',
    ...(typeof credentialsRotationDays === 'number' ? { credentialsRotationDays } : {}),
  };
}

/** The demo stack: the pipeline with context-driven settings and useful outputs. */
export class SimulacraDemoStack extends Stack {
  readonly pipeline: SimulacraPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readDemoSettings(this.node);
    const schedules: SimulacraScheduleProps[] = settings.schedules.map((entry) => ({
      feed: entry.feed,
      schedule: scheduler.ScheduleExpression.expression(entry.expression),
      ...(entry.scenarios ? { scenarios: entry.scenarios } : {}),
      // Unset: disabled until the feed's first ingest succeeds, then enabled by the pipeline.
      ...(entry.enabled !== undefined ? { enabled: entry.enabled } : {}),
    }));
    this.pipeline = new SimulacraPipeline(this, 'Pipeline', {
      ...(settings.apiBase ? { apiBase: settings.apiBase } : {}),
      ...(settings.artifactKeyArn
        ? { artifactDecryptionKey: kms.Key.fromKeyArn(this, 'ArtifactKey', settings.artifactKeyArn) }
        : {}),
      feeds: settings.feeds,
      schedules,
      ...(settings.mapMaxConcurrency !== undefined ? { mapMaxConcurrency: settings.mapMaxConcurrency } : {}),
      enableNotifications: settings.notifications,
      ...(settings.credentialsRotationDays !== undefined
        ? { credentialsRotation: { schedule: Duration.days(settings.credentialsRotationDays) } }
        : {}),
    });
    new CfnOutput(this, 'SeedBucketName', { value: this.pipeline.seedBucket.bucketName });
    new CfnOutput(this, 'OutputBucketName', { value: this.pipeline.outputBucket.bucketName });
    new CfnOutput(this, 'CredentialsSecretArn', {
      value: this.pipeline.credentialsSecret.secretArn,
      description: 'Fill with: simulacra-pipeline claim --secret-id <this ARN>',
    });
    new CfnOutput(this, 'GenerateStateMachineArn', {
      value: this.pipeline.generateStateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.pipeline.athenaWorkGroup.ref });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.pipeline.glueDatabaseName });
  }
}
