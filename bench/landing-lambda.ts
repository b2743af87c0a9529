/**
 * How the landing benchmark runs what Lambda runs: the LandArtifact bundle built exactly as the
 * construct builds it (`functionBundleOptions` of lib/bundling.ts, with the exec wrapper in the
 * asset), invoked by a bundled bootstrap (bench/landing-lambda-child.ts) in a process started as
 * Lambda's runtime starts the function: the bootstrap's node flags for LandArtifact's memory size,
 * through the asset's exec wrapper, with the function's environment (its vendor credentials secret,
 * state table and token-cache key on moto, the vendor's token endpoint on the artifact server).
 * Nothing in the measured process is compiled from TypeScript at run time.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { build } from 'esbuild';
import { BUNDLE_ENTRY_FILE, functionBundleOptions, lambdaNodeOptions } from '../lib/bundling.ts';
import {
  EXEC_WRAPPER_FILE,
  INITIAL_OLD_SPACE_ENV,
  SEMI_SPACE_ENV,
  installExecWrapper,
  lambdaBootstrapNodeArgs,
} from '../lib/lambda-runtime.ts';
import {
  DEFAULT_EPHEMERAL_STORAGE_MB,
  LANDING_INITIAL_OLD_SPACE_MB,
  LANDING_MEMORY_MB,
  LANDING_SEMI_SPACE_MB,
  PipelineEnv,
  pipelineFunctions,
} from '../lib/pipeline-functions.ts';
import { awsClientConfig, type RunningMoto } from '../src/local/moto.ts';
import { createTokenCacheResources } from '../src/local/token-cache-resources.ts';
import { REPO_ROOT, runChild, type ChildLaunch, type ChildReport } from './common.ts';
import { DATASET, FEED, TENANT } from './landing-fixtures.ts';
import type { LambdaLandingJob, LambdaLandingResult, LandingEvent } from './landing-lambda-child.ts';

const FUNCTION_ID = 'LandArtifact';
/** The bootstrap's file inside the build directory (next to, not inside, the function's asset). */
const BOOTSTRAP_FILE = 'landing-lambda-child.mjs';

/**
 * How a landing child starts: as Lambda's runtime starts LandArtifact at the memory size the
 * construct deploys (the runtime's V8 memory flags on node's command line), through the exec
 * wrapper that LandArtifact ships, which sets its semi-space size; `execWrapper: false` is the
 * runtime's flags alone (what a `NODE_OPTIONS` setting would have left in force). `assetDir` is the
 * built asset whose wrapper runs (default: the wrapper's source in this repository).
 */
export function landingChildLaunch(execWrapper = true, assetDir?: string): ChildLaunch {
  const nodeArgs = lambdaBootstrapNodeArgs(LANDING_MEMORY_MB);
  if (!execWrapper) return { nodeArgs };
  return {
    nodeArgs,
    wrapper: assetDir
      ? join(assetDir, EXEC_WRAPPER_FILE)
      : join(REPO_ROOT, 'lambdas/runtime', EXEC_WRAPPER_FILE),
    env: {
      [SEMI_SPACE_ENV]: String(LANDING_SEMI_SPACE_MB),
      [INITIAL_OLD_SPACE_ENV]: String(LANDING_INITIAL_OLD_SPACE_MB),
    },
  };
}

/** The launch as one line for the results: wrapper, then node's flags. */
export function describeLaunch(launch: ChildLaunch): string {
  const wrapper = launch.wrapper
    ? `exec-wrapper.sh (${Object.entries(launch.env ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}) `
    : '';
  return `${wrapper}node ${launch.nodeArgs.join(' ')}`;
}

/** The Map iteration's input for one benchmark generation (CSV, no conditions). */
export function landingEvent(generationId: string): LandingEvent {
  return {
    runId: 'bench-run',
    feed: FEED,
    scenario: { name: 'bench', row_count: 1, output_format: 'csv' },
    datasetId: DATASET,
    generationId,
    tenantId: TENANT,
  };
}

export interface LambdaLandingTarget {
  readonly moto: RunningMoto;
  readonly bucket: string;
  readonly outputKeyArn: string;
  /** The customer's artifact key (enterprise mode). */
  readonly artifactKeyArn: string;
  /** The vendor's API and token endpoint (the benchmark's artifact server). */
  readonly apiBase: string;
  readonly tokenUrl: string;
}

export interface LambdaLanding {
  /** The function's asset: `index.mjs`, its chunks and the exec wrapper. */
  readonly assetDir: string;
  /** KiB of the asset's JavaScript (`index.mjs` and every chunk, lazy ones included). */
  readonly bundleKib: number;
  /** How the measured process starts (wrapper, node flags), without the function's environment. */
  readonly launch: ChildLaunch;
  /** Lands `event` after `warmup` in a fresh process; `scanThread` sets LANDING_SCAN_THREAD. */
  land(options: {
    readonly mode: 'managed' | 'enterprise';
    readonly scanThread: 'worker' | 'inline';
    readonly warmup: LandingEvent;
    readonly event: LandingEvent;
  }): Promise<ChildReport<LambdaLandingResult>>;
}

/**
 * Builds the LandArtifact asset and the bootstrap into `workDir`, and creates what the function's
 * environment names (vendor secret, state table, token-cache key) on moto.
 */
export async function prepareLambdaLanding(
  workDir: string,
  target: LambdaLandingTarget,
): Promise<LambdaLanding> {
  const spec = pipelineFunctions.find((f) => f.id === FUNCTION_ID);
  if (!spec) throw new Error(`lib/pipeline-functions.ts has no ${FUNCTION_ID}`);
  const assetDir = join(workDir, 'asset');
  await build(functionBundleOptions(REPO_ROOT, spec.entry, assetDir));
  installExecWrapper(REPO_ROOT, assetDir);
  const bootstrap = join(workDir, BOOTSTRAP_FILE);
  await build({
    entryPoints: [join(REPO_ROOT, 'bench/landing-lambda-child.ts')],
    outfile: bootstrap,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    logLevel: 'warning',
  });

  const config = awsClientConfig(target.moto);
  const table = 'bench-landing-state';
  const tokenCache = await createTokenCacheResources(config, table);
  tokenCache.dynamo.destroy();
  tokenCache.kms.destroy();
  const secret = await new SecretsManagerClient(config).send(
    new CreateSecretCommand({
      Name: 'bench-landing-vendor',
      SecretString: JSON.stringify({
        client_id: 'bench-client',
        client_secret: 'bench-secret',
        token_url: target.tokenUrl,
        audience: 'https://api.simulacra.example',
        api_base: target.apiBase,
      }),
    }),
  );
  const functionEnv = (mode: 'managed' | 'enterprise'): Record<string, string> => ({
    [PipelineEnv.credentialsSecretArn]: secret.ARN ?? '',
    [PipelineEnv.stateTableName]: table,
    [PipelineEnv.tokenCacheKeyArn]: tokenCache.keyArn,
    [PipelineEnv.outputBucketName]: target.bucket,
    [PipelineEnv.outputKmsKeyArn]: target.outputKeyArn,
    [PipelineEnv.artifactKmsKeyArn]: mode === 'enterprise' ? target.artifactKeyArn : '',
    [PipelineEnv.qualityGate]: 'off',
    [PipelineEnv.ephemeralStorageMb]: String(spec.ephemeralStorageMb ?? DEFAULT_EPHEMERAL_STORAGE_MB),
    ...lambdaNodeOptions(),
    AWS_ENDPOINT_URL: target.moto.endpoint,
    AWS_REGION: target.moto.region,
    AWS_DEFAULT_REGION: target.moto.region,
    AWS_ACCESS_KEY_ID: target.moto.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: target.moto.credentials.secretAccessKey,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    AWS_LAMBDA_FUNCTION_NAME: FUNCTION_ID,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });

  const launch = landingChildLaunch(true, assetDir);
  const bundleKib = readdirSync(assetDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.mjs'))
    .reduce((sum, file) => sum + statSync(join(assetDir, file)).size / 1024, 0);
  return {
    assetDir,
    bundleKib: Math.round(bundleKib),
    launch,
    land({ mode, scanThread, warmup, event }) {
      const job: LambdaLandingJob = {
        warmup,
        event,
        functionName: FUNCTION_ID,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
      };
      return runChild<LambdaLandingResult>(
        bootstrap,
        [join(assetDir, BUNDLE_ENTRY_FILE), JSON.stringify(job)],
        {
          launch: {
            ...launch,
            env: { ...launch.env, ...functionEnv(mode), LANDING_SCAN_THREAD: scanThread },
          },
          cleanEnv: true,
        },
      );
    },
  };
}
