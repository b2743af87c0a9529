/**
 * How every pipeline function is made: its own role and encrypted log group, ARM64 Node 24,
 * JSON logs, active tracing, an encrypted environment with the Powertools settings, and an ESM
 * bundle built from the handler's TypeScript source.
 */
import path from 'node:path';
import { Size, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PROJECT_ROOT } from './asl-definition.ts';
import { functionLogDataProtectionPolicy } from './log-data-protection.ts';
import { acknowledgeNag, createEncryptedLogGroup, skipCheckov } from './secure-defaults.ts';

export interface PipelineFunctionOptions {
  /** Handler file, relative to the repository root. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  /** @default 512 */
  readonly ephemeralStorageMb?: number;
  /** The variables the handler reads (the Powertools settings are added). */
  readonly environment: Record<string, string>;
  /** Encrypts the log group and the environment. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** CloudWatch namespace of the function's Powertools metrics. */
  readonly metricsNamespace: string;
  /** @default - unreserved */
  readonly reservedConcurrency?: number;
  /** @default lambda.Architecture.ARM_64 */
  readonly architecture?: lambda.Architecture;
}

export interface PipelineFunction {
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
}

export function createPipelineFunction(
  scope: Construct,
  id: string,
  options: PipelineFunctionOptions,
): PipelineFunction {
  const logGroup = createEncryptedLogGroup(scope, `${id}Logs`, {
    encryptionKey: options.key,
    retention: options.logRetention,
    removalPolicy: options.removalPolicy,
    dataProtectionPolicy: functionLogDataProtectionPolicy(),
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the Simulacra ${id} function`,
  });
  logGroup.grantWrite(role);
  const fn = new nodejs.NodejsFunction(scope, id, {
    entry: path.join(PROJECT_ROOT, options.entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: options.architecture ?? lambda.Architecture.ARM_64,
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
      POWERTOOLS_METRICS_NAMESPACE: options.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
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
      banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
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
