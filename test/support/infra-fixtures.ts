/**
 * Shared fixtures for the infrastructure tests: a fast synth of `SimulacraPipeline` (bundling
 * skipped, CDK's built-in schema validation off: cfn-lint covers that in the integration suite)
 * and security checks over a synthesized template that the tests also run against mutated
 * templates to prove each check can fail.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { SimulacraPipeline, type SimulacraPipelineProps } from '../../lib/simulacra-pipeline.ts';

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** An App that skips asset bundling and the built-in CloudFormation validation (both slow). */
export function fastApp(context: Record<string, unknown> = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    context: { 'aws:cdk:bundling-stacks': [], ...context },
  });
}

/**
 * Every optional feature at once: enterprise mode with an artifact key imported into `scope`,
 * notifications, credential rotation, a vendor concurrency limit, two feeds and two schedules.
 */
export function allFeaturesProps(scope: Construct): SimulacraPipelineProps {
  return {
    artifactDecryptionKey: kms.Key.fromKeyArn(
      scope,
      'ArtifactKey',
      'arn:aws:kms:us-east-1:123456789012:key/artifact',
    ),
    enableNotifications: true,
    credentialsRotation: { schedule: Duration.days(30) },
    vendorConcurrency: 2,
    feeds: ['customers', 'orders'],
    schedules: [
      { feed: 'customers', schedule: scheduler.ScheduleExpression.expression('rate(1 day)') },
      {
        feed: 'orders',
        scenarios: ['peak'],
        schedule: scheduler.ScheduleExpression.expression('cron(0 2 ? * MON *)'),
      },
    ],
  };
}

export interface SynthesizedPipeline {
  readonly app: App;
  readonly stack: Stack;
  readonly pipeline: SimulacraPipeline;
  readonly template: Template;
  readonly json: CfnTemplateJson;
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: unknown;
}

export interface CfnTemplateJson {
  Resources: Record<string, CfnResourceJson>;
  [key: string]: unknown;
}

/** A stack with one pipeline built from `props`. */
export function synthPipeline(
  props: SimulacraPipelineProps | ((stack: Stack) => SimulacraPipelineProps) = {},
): SynthesizedPipeline {
  const app = fastApp();
  const stack = new Stack(app, 'Test', { env: TEST_ENV });
  const pipeline = new SimulacraPipeline(
    stack,
    'Pipeline',
    typeof props === 'function' ? props(stack) : props,
  );
  const template = Template.fromStack(stack);
  return { app, stack, pipeline, template, json: template.toJSON() as CfnTemplateJson };
}

export function resourcesOfType(json: CfnTemplateJson, type: string): [string, CfnResourceJson][] {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}

/** A deep copy to mutate. */
export function cloneTemplate(json: CfnTemplateJson): CfnTemplateJson {
  return structuredClone(json);
}

class SecurityCheckError extends Error {
  override readonly name = 'SecurityCheckError';
}

function fail(message: string): never {
  throw new SecurityCheckError(message);
}

function props(resource: CfnResourceJson): Record<string, unknown> {
  return resource.Properties ?? {};
}

function isDataBucket(resource: CfnResourceJson): boolean {
  const rules = (
    props(resource)['BucketEncryption'] as { ServerSideEncryptionConfiguration?: unknown[] } | undefined
  )?.ServerSideEncryptionConfiguration;
  return (
    JSON.stringify(rules ?? []).includes('aws:kms') || props(resource)['LoggingConfiguration'] !== undefined
  );
}

/** Every bucket: private, versioned, encrypted, lifecycle-aborting; data buckets SSE-KMS + bucket key + access logs. */
export function checkBuckets(json: CfnTemplateJson): void {
  const buckets = resourcesOfType(json, 'AWS::S3::Bucket');
  if (buckets.length === 0) fail('no buckets in template');
  for (const [id, bucket] of buckets) {
    const p = props(bucket);
    const block = p['PublicAccessBlockConfiguration'] as Record<string, unknown> | undefined;
    for (const flag of [
      'BlockPublicAcls',
      'BlockPublicPolicy',
      'IgnorePublicAcls',
      'RestrictPublicBuckets',
    ]) {
      if (block?.[flag] !== true) fail(`${id}: PublicAccessBlockConfiguration.${flag} is not true`);
    }
    if ((p['VersioningConfiguration'] as { Status?: string } | undefined)?.Status !== 'Enabled') {
      fail(`${id}: versioning is not enabled`);
    }
    const rules = (
      p['BucketEncryption'] as { ServerSideEncryptionConfiguration?: Record<string, unknown>[] } | undefined
    )?.ServerSideEncryptionConfiguration;
    if (!rules || rules.length === 0) fail(`${id}: no default encryption`);
    const lifecycle = JSON.stringify(p['LifecycleConfiguration'] ?? {});
    if (!lifecycle.includes('AbortIncompleteMultipartUpload'))
      fail(`${id}: no AbortIncompleteMultipartUpload rule`);
    const ownership = JSON.stringify(p['OwnershipControls'] ?? {});
    if (!ownership.includes('BucketOwnerEnforced'))
      fail(`${id}: ACLs are not disabled (BucketOwnerEnforced)`);
    if (isDataBucket(bucket)) {
      const rule = rules[0] as {
        BucketKeyEnabled?: boolean;
        ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown };
      };
      if (rule.ServerSideEncryptionByDefault?.SSEAlgorithm !== 'aws:kms') fail(`${id}: not SSE-KMS`);
      if (!rule.ServerSideEncryptionByDefault.KMSMasterKeyID) fail(`${id}: no customer-managed key`);
      if (rule.BucketKeyEnabled !== true) fail(`${id}: S3 bucket key not enabled`);
      if (!p['LoggingConfiguration']) fail(`${id}: no server access logging`);
    }
  }
}

/** Every bucket has a policy denying non-TLS requests and TLS below 1.2. */
export function checkBucketPolicies(json: CfnTemplateJson): void {
  const policies = resourcesOfType(json, 'AWS::S3::BucketPolicy');
  for (const [bucketId] of resourcesOfType(json, 'AWS::S3::Bucket')) {
    const policy = policies.find(([, p]) => JSON.stringify(props(p)['Bucket']).includes(`"${bucketId}"`));
    if (!policy) fail(`${bucketId}: no bucket policy`);
    const statements = (props(policy[1])['PolicyDocument'] as { Statement: Record<string, unknown>[] })
      .Statement;
    const denyInsecure = statements.some(
      (s) =>
        s['Effect'] === 'Deny' &&
        JSON.stringify(s['Condition'] ?? {}).includes('"aws:SecureTransport":"false"'),
    );
    if (!denyInsecure) fail(`${bucketId}: policy does not deny aws:SecureTransport=false`);
    const denyOldTls = statements.some(
      (s) => s['Effect'] === 'Deny' && JSON.stringify(s['Condition'] ?? {}).includes('s3:TlsVersion'),
    );
    if (!denyOldTls) fail(`${bucketId}: policy does not enforce a minimum TLS version`);
  }
}

/** Both state machines: ALL-level logs without execution data, X-Ray, customer-managed key. */
export function checkStateMachines(json: CfnTemplateJson): void {
  const machines = resourcesOfType(json, 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 2) fail(`expected 2 state machines, found ${machines.length}`);
  for (const [id, machine] of machines) {
    const p = props(machine);
    const logging = p['LoggingConfiguration'] as
      { Level?: string; IncludeExecutionData?: boolean } | undefined;
    if (logging?.Level !== 'ALL') fail(`${id}: logging level is not ALL`);
    if (logging.IncludeExecutionData !== false) fail(`${id}: IncludeExecutionData is not false`);
    if ((p['TracingConfiguration'] as { Enabled?: boolean } | undefined)?.Enabled !== true) {
      fail(`${id}: X-Ray tracing is not enabled`);
    }
    const encryption = p['EncryptionConfiguration'] as { Type?: string; KmsKeyId?: unknown } | undefined;
    if (encryption?.Type !== 'CUSTOMER_MANAGED_KMS_KEY' || !encryption.KmsKeyId) {
      fail(`${id}: not encrypted with a customer-managed key`);
    }
  }
}

/** Lambda functions: Node 24 on arm64, active tracing, encrypted environment, own log group. */
export function checkFunctions(json: CfnTemplateJson): void {
  for (const [id, fn] of resourcesOfType(json, 'AWS::Lambda::Function')) {
    const p = props(fn);
    if (p['Runtime'] !== 'nodejs24.x') fail(`${id}: runtime is ${String(p['Runtime'])}`);
    if (JSON.stringify(p['Architectures']) !== '["arm64"]') fail(`${id}: not arm64`);
    if ((p['TracingConfig'] as { Mode?: string } | undefined)?.Mode !== 'Active')
      fail(`${id}: tracing not active`);
    if (!p['KmsKeyArn']) fail(`${id}: environment not encrypted with the customer-managed key`);
    const logging = p['LoggingConfig'] as { LogGroup?: unknown; LogFormat?: string } | undefined;
    if (!logging?.LogGroup) fail(`${id}: no dedicated log group`);
  }
}

/** Encrypted stores: table (CMK, PITR), secret (CMK, generated value), logs, queues, topics, key rotation. */
export function checkEncryptionAtRest(json: CfnTemplateJson): void {
  for (const [id, key] of resourcesOfType(json, 'AWS::KMS::Key')) {
    if (props(key)['EnableKeyRotation'] !== true) fail(`${id}: key rotation disabled`);
  }
  for (const [id, table] of resourcesOfType(json, 'AWS::DynamoDB::Table')) {
    const sse = props(table)['SSESpecification'] as {
      SSEEnabled?: boolean;
      SSEType?: string;
      KMSMasterKeyId?: unknown;
    };
    if (sse?.SSEEnabled !== true || sse.SSEType !== 'KMS' || !sse.KMSMasterKeyId)
      fail(`${id}: not CMK-encrypted`);
    const pitr = props(table)['PointInTimeRecoverySpecification'] as { PointInTimeRecoveryEnabled?: boolean };
    if (pitr?.PointInTimeRecoveryEnabled !== true) fail(`${id}: PITR disabled`);
  }
  for (const [id, secret] of resourcesOfType(json, 'AWS::SecretsManager::Secret')) {
    if (!props(secret)['KmsKeyId']) fail(`${id}: secret not CMK-encrypted`);
    if (props(secret)['SecretString'] !== undefined) fail(`${id}: secret value is in the template`);
  }
  for (const [id, group] of resourcesOfType(json, 'AWS::Logs::LogGroup')) {
    if (!props(group)['KmsKeyId']) fail(`${id}: log group not encrypted`);
    if (typeof props(group)['RetentionInDays'] !== 'number') fail(`${id}: log group keeps logs forever`);
  }
  for (const [id, queue] of resourcesOfType(json, 'AWS::SQS::Queue')) {
    if (!props(queue)['KmsMasterKeyId']) fail(`${id}: queue not CMK-encrypted`);
  }
  for (const [id, topic] of resourcesOfType(json, 'AWS::SNS::Topic')) {
    if (!props(topic)['KmsMasterKeyId']) fail(`${id}: topic not CMK-encrypted`);
  }
  for (const [id, bus] of resourcesOfType(json, 'AWS::Events::EventBus')) {
    if (!props(bus)['KmsKeyIdentifier']) fail(`${id}: event bus not CMK-encrypted`);
  }
  for (const [id, workgroup] of resourcesOfType(json, 'AWS::Athena::WorkGroup')) {
    const config = props(workgroup)['WorkGroupConfiguration'] as {
      EnforceWorkGroupConfiguration?: boolean;
      ResultConfiguration?: { EncryptionConfiguration?: { EncryptionOption?: string } };
    };
    if (config?.EnforceWorkGroupConfiguration !== true) fail(`${id}: workgroup settings not enforced`);
    if (config.ResultConfiguration?.EncryptionConfiguration?.EncryptionOption !== 'SSE_KMS') {
      fail(`${id}: query results not SSE_KMS`);
    }
  }
}

/** Actions that AWS only authorizes on Resource "*". */
export const STAR_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'secretsmanager:GetRandomPassword',
]);

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** IAM: no `*` actions, and Resource `*` only for actions that cannot be scoped. */
export function checkIamScoping(json: CfnTemplateJson): void {
  for (const [id, policy] of resourcesOfType(json, 'AWS::IAM::Policy')) {
    const statements = (props(policy)['PolicyDocument'] as { Statement: Record<string, unknown>[] })
      .Statement;
    for (const statement of statements) {
      const actions = asArray(statement['Action']).map(String);
      for (const action of actions) {
        if (action === '*' || action.endsWith(':*')) fail(`${id}: grants ${action}`);
      }
      if (asArray(statement['Resource']).includes('*')) {
        const unscopable = actions.filter((action) => !STAR_ONLY_ACTIONS.has(action));
        if (unscopable.length > 0) fail(`${id}: ${unscopable.join(', ')} on Resource "*"`);
      }
    }
  }
}

/** All of the above. */
export function checkSecurityBaseline(json: CfnTemplateJson): void {
  checkBuckets(json);
  checkBucketPolicies(json);
  checkStateMachines(json);
  checkFunctions(json);
  checkEncryptionAtRest(json);
  checkIamScoping(json);
}

/**
 * The template with content hashes (asset keys, bundle hashes) replaced, so the snapshot changes
 * only when the infrastructure does, not when a handler's code does.
 */
export function normalizeTemplate(json: CfnTemplateJson): unknown {
  const text = JSON.stringify(json, null, 2)
    .replace(/[0-9a-f]{64}(\.(zip|json))?/g, '<asset-hash>$1')
    .replace(/"cdk-hnb659fds-assets-[^"]*"/g, '"<asset-bucket>"');
  return JSON.parse(text) as unknown;
}
