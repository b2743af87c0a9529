/**
 * Functions: one Lambda function per entry of `lib/pipeline-functions.ts`, each given the
 * environment it reads and the grants it declares, and the metric filter counting
 * vendor quota exhaustion in the logs of the functions that call the vendor.
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { createPipelineFunction } from '../function-factory.ts';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { applyFunctionGrants, grantTargetMap, type GrantTargets } from '../function-grants.ts';
import {
  callsVendor,
  DEFAULT_EPHEMERAL_STORAGE_MB,
  PipelineEnv,
  pipelineFunctions,
  type PipelineEnvName,
} from '../pipeline-functions.ts';
import type { SimulacraFunctionOverrides } from '../pipeline-props.ts';
import type { FunctionNetwork } from './network.ts';
import { PipelinePart } from './pipeline-part.ts';

/** The name of the metric counting vendor 402 `simio_quota_exhausted` responses. */
export const VENDOR_QUOTA_METRIC_NAME = 'VendorQuotaExhausted';

export interface PipelineFunctionsProps {
  /** What the functions may access, and the values of the variables they read. */
  readonly targets: GrantTargets & { readonly glueDatabaseName: string; readonly qualityGate: string };
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly metricsNamespace: string;
  /** Reserved concurrency of each vendor-calling function. @default - unreserved */
  readonly vendorConcurrency?: number;
  /** Enterprise: the tenant every artifact envelope must name. @default - not checked */
  readonly artifactTenantId?: string | undefined;
  /** Shared pacing of vendor requests, requests per second. @default - none */
  readonly vendorRequestsPerSecond?: number | undefined;
  /** Its burst. @default - the rate rounded up */
  readonly vendorRequestBurst?: number | undefined;
  /** Settings replacing a function's defaults, by function id. @default - none */
  readonly functionOverrides?: Readonly<Record<string, SimulacraFunctionOverrides>>;
  /** @default - outside any VPC */
  readonly network?: FunctionNetwork;
  /** Source-mapped stack traces. @default false */
  readonly enableSourceMaps?: boolean;
}

export class PipelineFunctions extends PipelinePart {
  /** Functions by their id in `lib/pipeline-functions.ts`. */
  readonly functions: Readonly<Record<string, lambda.Function>>;
  /** Vendor 402 responses counted from the vendor-calling functions' logs (undefined if none). */
  readonly vendorQuotaExhausted?: cloudwatch.Metric;

  constructor(scope: Construct, id: string, props: PipelineFunctionsProps) {
    super(scope, id);
    const { targets } = props;
    /** Values shared by every function; the state machine ARN and the storage size are per function. */
    const values: Record<
      Exclude<PipelineEnvName, 'INGEST_STATE_MACHINE_ARN' | 'EPHEMERAL_STORAGE_MB' | 'FEED_SCHEDULES'>,
      string
    > = {
      [PipelineEnv.credentialsSecretArn]: targets.credentialsSecret.secretArn,
      [PipelineEnv.stateTableName]: targets.stateTable.tableName,
      [PipelineEnv.tokenCacheKeyArn]: targets.key.keyArn,
      [PipelineEnv.seedBucketName]: targets.seedBucket.bucketName,
      [PipelineEnv.outputBucketName]: targets.outputBucket.bucketName,
      [PipelineEnv.outputKmsKeyArn]: targets.outputKey.keyArn,
      [PipelineEnv.artifactKmsKeyArn]: targets.artifactDecryptionKey?.keyArn ?? '',
      [PipelineEnv.glueDatabaseName]: targets.glueDatabaseName,
      [PipelineEnv.eventBusName]: targets.eventBus.eventBusName,
      [PipelineEnv.qualityGate]: targets.qualityGate,
    };
    const functions: Record<string, lambda.Function> = {};
    const grantTargets = grantTargetMap(this, targets);
    const quotaLogGroups: { readonly id: string; readonly logGroup: logs.ILogGroup }[] = [];
    for (const spec of pipelineFunctions) {
      const override = props.functionOverrides?.[spec.id] ?? {};
      const ephemeralStorageMb = override.ephemeralStorageSize?.toMebibytes() ?? spec.ephemeralStorageMb;
      const environment: Record<string, string> = {};
      for (const name of spec.env) {
        if (name === PipelineEnv.ephemeralStorageMb) {
          // The handler bounds its /tmp use by the same value the function is configured with.
          environment[name] = String(ephemeralStorageMb ?? DEFAULT_EPHEMERAL_STORAGE_MB);
        } else if (name !== PipelineEnv.ingestStateMachineArn && name !== PipelineEnv.feedSchedules) {
          // The workflows set those once the state machine and the schedules exist.
          environment[name] = values[name];
        }
      }
      if (spec.env.includes(PipelineEnv.artifactKmsKeyArn) && props.artifactTenantId !== undefined) {
        environment['ARTIFACT_TENANT_ID'] = props.artifactTenantId;
      }
      const rate = props.vendorRequestsPerSecond;
      if (callsVendor(spec) && rate !== undefined) {
        environment['VENDOR_REQUESTS_PER_SECOND'] = String(rate);
        environment['VENDOR_REQUEST_BURST'] = String(
          props.vendorRequestBurst ?? Math.max(1, Math.ceil(rate)),
        );
      }
      const reservedConcurrency =
        override.reservedConcurrency ?? (callsVendor(spec) ? props.vendorConcurrency : undefined);
      const { fn, logGroup } = createPipelineFunction(this, spec.id, {
        entry: spec.entry,
        memoryMb: override.memorySize ?? spec.memoryMb,
        timeout: override.timeout ?? Duration.seconds(spec.timeoutSeconds),
        ...(ephemeralStorageMb !== undefined ? { ephemeralStorageMb } : {}),
        ...(spec.maxSemiSpaceMb !== undefined ? { maxSemiSpaceMb: spec.maxSemiSpaceMb } : {}),
        ...(spec.initialOldSpaceMb !== undefined ? { initialOldSpaceMb: spec.initialOldSpaceMb } : {}),
        environment,
        key: targets.key,
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        metricsNamespace: props.metricsNamespace,
        ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
        ...(override.architecture ? { architecture: override.architecture } : {}),
        ...(props.network ? { network: props.network } : {}),
        ...(props.enableSourceMaps !== undefined ? { enableSourceMaps: props.enableSourceMaps } : {}),
      });
      applyFunctionGrants(fn.role as iam.IRole, spec.grants, grantTargets);
      if (callsVendor(spec)) quotaLogGroups.push({ id: spec.id, logGroup });
      functions[spec.id] = fn;
    }
    this.functions = functions;
    let metric: cloudwatch.Metric | undefined;
    for (const { id: functionId, logGroup } of quotaLogGroups) {
      const filter = new logs.MetricFilter(this, `${functionId}VendorQuotaFilter`, {
        logGroup,
        filterPattern: logs.FilterPattern.literal('"simio_quota_exhausted"'),
        metricNamespace: props.metricsNamespace,
        metricName: VENDOR_QUOTA_METRIC_NAME,
        metricValue: '1',
      });
      metric ??= filter.metric();
    }
    if (metric) this.vendorQuotaExhausted = metric;
    this.pinLogicalIds();
  }

  /** The function with construct id `id` (throws naming the list it must be in). */
  fn(id: string): lambda.Function {
    const fn = this.functions[id];
    if (!fn) throw new Error(`SimulacraPipeline: no function "${id}" in lib/pipeline-functions.ts`);
    return fn;
  }
}
