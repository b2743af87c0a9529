/**
 * How every pipeline function is made: its own role and encrypted log group, ARM64 Node 24,
 * JSON logs, active tracing, an encrypted environment with the Powertools settings, and an ESM
 * bundle of the handler: the one the package build made (`assets/`, shipped in the npm package,
 * so a consumer's synth needs no esbuild, Docker or lock file), or, in this repository, one
 * bundled from the handler's TypeScript source at synth.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, Size, type Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PROJECT_ROOT } from './asl-definition.ts';
import { bundleFunctionSync } from './bundle-function.ts';
import { BUNDLE_ENTRY_FILE, lambdaNodeOptions } from './bundling.ts';
import { execWrapperEnvironment, hasExecWrapper } from './lambda-runtime.ts';
import { functionLogDataProtectionPolicy } from './log-data-protection.ts';
import { grantVpcAccess, type FunctionNetwork } from './parts/network.ts';
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
  /** @default - outside any VPC */
  readonly network?: FunctionNetwork;
  /** `NODE_OPTIONS=--enable-source-maps`. @default DEFAULT_ENABLE_SOURCE_MAPS (false) */
  readonly enableSourceMaps?: boolean;
  /**
   * V8 semi-space size, MiB: the asset ships the exec wrapper and `AWS_LAMBDA_EXEC_WRAPPER` names
   * it (lib/lambda-runtime.ts). @default - the runtime's
   */
  readonly maxSemiSpaceMb?: number;
  /** V8 initial old-space size, MiB, through the same exec wrapper. @default - V8's */
  readonly initialOldSpaceMb?: number;
}

export interface PipelineFunction {
  readonly fn: lambda.Function;
  readonly logGroup: logs.LogGroup;
}

/** Where the package build puts the bundle of `entry` (e.g. `assets/lambdas/poll-job/`). */
export function prebuiltAssetDir(entry: string, root: string = PROJECT_ROOT): string {
  return path.join(root, 'assets', entry.replace(/\.ts$/, ''));
}

/** The prebuilt bundle of `entry`, when the package build made one. */
function prebuiltCode(entry: string, execWrapper: boolean): lambda.Code | undefined {
  const dir = prebuiltAssetDir(entry);
  if (!existsSync(path.join(dir, BUNDLE_ENTRY_FILE))) return undefined;
  if (execWrapper && !hasExecWrapper(dir)) {
    throw new Error(
      `The prebuilt asset ${dir} has no exec wrapper, which this function starts through: rebuild the package (npm run build).`,
    );
  }
  return lambda.Code.fromAsset(dir);
}

/**
 * The handler bundled from its TypeScript source at synth (this repository only: the npm package
 * ships prebuilt bundles), with esbuild's code splitting and a plugin, which `NodejsFunction`
 * cannot do (it writes one `--outfile`): lazily imported code goes to chunks the function reads
 * only when used.
 */
function bundledAtSynth(entry: string, execWrapper: boolean): lambda.Code {
  return lambda.Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // The entry must be part of the bundling options, which CDK's asset cache is keyed by:
      // otherwise every function (same source directory) would get the first function's bundle.
      environment: {
        SIMULACRA_FUNCTION_ENTRY: entry,
        ...(execWrapper ? { SIMULACRA_EXEC_WRAPPER: '1' } : {}),
      },
      // Only used if local bundling fails, which it does not: it throws instead.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundleFunctionSync(PROJECT_ROOT, entry, outputDir, { execWrapper });
          return true;
        },
      },
    },
  });
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
  const network = options.network;
  if (network) grantVpcAccess(role);
  const settings: lambda.FunctionOptions & { readonly runtime: lambda.Runtime } = {
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
    ...(network
      ? {
          vpc: network.vpc,
          securityGroups: [...network.securityGroups],
          ...(network.vpcSubnets ? { vpcSubnets: network.vpcSubnets } : {}),
        }
      : {}),
    environment: {
      ...options.environment,
      ...lambdaNodeOptions(options.enableSourceMaps),
      ...execWrapperEnvironment(options.maxSemiSpaceMb, options.initialOldSpaceMb),
      POWERTOOLS_SERVICE_NAME: 'simulacra-pipeline',
      POWERTOOLS_METRICS_NAMESPACE: options.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
    },
  };
  const execWrapper = options.maxSemiSpaceMb !== undefined || options.initialOldSpaceMb !== undefined;
  const fn = new lambda.Function(scope, id, {
    ...settings,
    code: prebuiltCode(options.entry, execWrapper) ?? bundledAtSynth(options.entry, execWrapper),
    handler: 'index.handler',
  });
  acknowledgeNag(role, {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only actions without resource-level permissions use "*": X-Ray PutTraceSegments/PutTelemetryRecords (tracing is on), the network-interface actions Lambda requires of a VPC function, and, for the rotation function, secretsmanager:GetRandomPassword.',
  });
  skipCheckov(
    fn,
    ...(network
      ? []
      : [
          {
            id: 'CKV_AWS_117',
            comment:
              'No VPC: the functions reach the Simulacra API on the internet and AWS APIs only; a VPC adds NAT cost without a private resource to protect.',
          },
        ]),
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
