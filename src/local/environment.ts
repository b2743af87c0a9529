/**
 * The whole pipeline's surroundings on one machine: moto as local AWS, the stack's stateful
 * resources created on it from the synthesized CDK template, the vendor credential in the local
 * secret, and (unless another API is given) the Simulacra simulator. The handlers then run with
 * the same environment variables they get on AWS, pointed at moto through the SDK's standard
 * `AWS_ENDPOINT_URL`.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { App } from 'aws-cdk-lib';
import { SimulacraDemoStack } from '../../lib/demo-stack.ts';
import { PipelineEnv } from '../../lib/pipeline-functions.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/index.ts';
import { IamDeniedCallsError, IamJudge } from './iam/judge.ts';
import { stackPolicies } from './iam/stack-policies.ts';
import { awsClientConfig, startMoto, type RunningMoto } from './moto.ts';
import {
  localAwsClients,
  provisionTemplate,
  type CfnTemplate,
  type LocalAwsClients,
  type LocalStack,
} from './template-resources.ts';

/** A Simulacra-compatible API other than the built-in simulator (from flags or `SIMULACRA_*`). */
export interface ExternalApi {
  readonly apiBase: string;
  readonly tokenUrl: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface LocalEnvironmentOptions {
  /** Artifact delivery mode of the simulator and the stack. @default 'managed' */
  readonly mode?: 'managed' | 'enterprise';
  /** Simulator options (faults, timings, ...); ignored with `externalApi`. */
  readonly simulator?: Omit<SimulatorOptions, 'mode' | 'enterprise'>;
  /** Run against this API instead of starting the simulator. */
  readonly externalApi?: ExternalApi;
  /** Feeds known to the stack (example Athena queries). @default ['quickstart'] */
  readonly feeds?: readonly string[];
  /** Synthesize the stack with automatic credential rotation (its RotateCredentials function). */
  readonly credentialsRotation?: boolean;
  /**
   * Schedules of the stack (the demo stack's `simulacra:schedules` entries), created on moto's
   * EventBridge Scheduler. @default [] (none)
   */
  readonly schedules?: readonly {
    readonly feed: string;
    readonly expression: string;
    readonly enabled?: boolean;
  }[];
}

/** Names of the local resources the pipeline uses, read from the resolved Lambda environments. */
export interface LocalResourceNames {
  readonly seedBucket: string;
  readonly outputBucket: string;
  readonly stateTable: string;
  readonly credentialsSecretArn: string;
  readonly glueDatabase: string;
  readonly eventBus: string;
  readonly ingestStateMachineArn: string;
  readonly artifactKeyArn: string | null;
}

export interface LocalEnvironment {
  readonly moto: RunningMoto;
  /** The simulator, unless an external API was given. */
  readonly simulator: RunningSimulator | null;
  readonly stack: LocalStack;
  readonly names: LocalResourceNames;
  readonly clients: LocalAwsClients;
  /** The environment the handlers run with (already applied to `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** Judges each handler's AWS calls against its role in the template (pass it to the runner). */
  readonly iam: IamJudge;
  /** Stops the simulator and moto and restores `process.env`. */
  close(): Promise<void>;
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The account moto and the synthesized template use. */
const LOCAL_ACCOUNT = '123456789012';

const ARTIFACT_KEY_STAND_IN = 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-0000000000aa';

/** Every file whose content shapes the synthesized template. */
function templateInputs(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else files.push(file);
    }
  };
  for (const dir of ['lib', 'statemachines']) walk(join(REPO_ROOT, dir));
  return files;
}

/**
 * The stack's template, synthesized in-process without bundling the Lambdas. Synthesis hashes
 * the Lambda assets (the project tree), which takes seconds, so the template is cached under
 * `.cache/templates/` keyed by the content of `lib/`, `statemachines/` and the context.
 */
export function synthesizeLocalTemplate(context: Record<string, unknown>): CfnTemplate {
  const hash = createHash('sha256').update(JSON.stringify(context));
  for (const file of templateInputs()) hash.update(file).update(readFileSync(file));
  const cacheFile = join(REPO_ROOT, '.cache', 'templates', `${hash.digest('hex').slice(0, 32)}.json`);
  if (existsSync(cacheFile)) return JSON.parse(readFileSync(cacheFile, 'utf8')) as CfnTemplate;
  const outdir = mkdtempSync(join(tmpdir(), 'simulacra-synth-'));
  try {
    const app = new App({
      outdir,
      // The stack's policy gates (cdk-nag, cfn-lint, checkov) run in the test suite; here only the template is needed.
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, ...context },
    });
    const stack = new SimulacraDemoStack(app, 'SimulacraLocal', {
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
    mkdirSync(dirname(cacheFile), { recursive: true });
    // Written whole under a temporary name, then renamed: parallel test files never read half a file.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(template));
    renameSync(partial, cacheFile);
    return template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The template context of a local stack with `feeds` and `schedules` (managed mode). */
function localTemplateContext(
  feeds: readonly string[] = ['quickstart'],
  schedules: LocalEnvironmentOptions['schedules'] = [],
): Record<string, unknown> {
  return {
    'simulacra:feeds': JSON.stringify([...new Set([...feeds, ...schedules.map((entry) => entry.feed)])]),
    'simulacra:schedules': JSON.stringify(schedules),
  };
}

/** The template of the default local stack (what a runner without an environment is configured by). */
export function defaultLocalTemplate(): CfnTemplate {
  return synthesizeLocalTemplate(localTemplateContext());
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`the synthesized stack gives no function the variable ${name}`);
  return value;
}

/** Starts local AWS (and the simulator), provisions the stack and applies its environment. */
export async function startLocalEnvironment(
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  const mode = options.mode ?? 'managed';
  const moto = await startMoto();
  const savedEnv = { ...process.env };
  let simulator: RunningSimulator | null = null;
  try {
    const config = awsClientConfig(moto);
    const clients = localAwsClients(config);
    // Enterprise mode: the customer's artifact key exists before the stack, as in a real account.
    let artifactKeyArn: string | null = null;
    if (mode === 'enterprise') {
      const key = await clients.kms.send(new CreateKeyCommand({ Description: 'customer artifact key' }));
      artifactKeyArn = key.KeyMetadata?.Arn ?? null;
    }
    // Synthesized with a fixed stand-in ARN so the cached template serves every run.
    const synthesized = synthesizeLocalTemplate({
      ...localTemplateContext(options.feeds, options.schedules),
      ...(options.credentialsRotation ? { 'simulacra:credentialsRotationDays': '30' } : {}),
      ...(artifactKeyArn ? { 'simulacra:artifactKeyArn': ARTIFACT_KEY_STAND_IN } : {}),
    });
    const template = artifactKeyArn
      ? (JSON.parse(
          JSON.stringify(synthesized).replaceAll(ARTIFACT_KEY_STAND_IN, artifactKeyArn),
        ) as CfnTemplate)
      : synthesized;
    const stack = await provisionTemplate(template, clients, moto.region);
    const iam = new IamJudge(stackPolicies(template, stack, moto.region, LOCAL_ACCOUNT));
    const env: Record<string, string> = {};
    for (const functionEnv of Object.values(stack.functionEnvironments)) Object.assign(env, functionEnv);
    const names: LocalResourceNames = {
      seedBucket: required(env, PipelineEnv.seedBucketName),
      outputBucket: required(env, PipelineEnv.outputBucketName),
      stateTable: required(env, PipelineEnv.stateTableName),
      credentialsSecretArn: required(env, PipelineEnv.credentialsSecretArn),
      glueDatabase: required(env, PipelineEnv.glueDatabaseName),
      eventBus: required(env, PipelineEnv.eventBusName),
      ingestStateMachineArn: required(env, PipelineEnv.ingestStateMachineArn),
      artifactKeyArn: env[PipelineEnv.artifactKmsKeyArn] || null,
    };

    let api: ExternalApi;
    if (options.externalApi) {
      api = options.externalApi;
    } else {
      simulator = await startSimulator({
        ...options.simulator,
        mode,
        ...(artifactKeyArn
          ? {
              enterprise: {
                kms: { endpoint: moto.endpoint, region: moto.region, credentials: moto.credentials },
                keyId: artifactKeyArn,
              },
            }
          : {}),
      });
      api = {
        apiBase: simulator.apiBase,
        tokenUrl: simulator.tokenUrl,
        audience: simulator.audience,
        clientId: simulator.demoTenant.clientId,
        clientSecret: simulator.demoTenant.clientSecret,
      };
    }
    await clients.secretsManager.send(
      new PutSecretValueCommand({
        SecretId: names.credentialsSecretArn,
        SecretString: JSON.stringify({
          client_id: api.clientId,
          client_secret: api.clientSecret,
          token_url: api.tokenUrl,
          audience: api.audience,
          api_base: api.apiBase,
        }),
      }),
    );

    Object.assign(env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: moto.region,
      AWS_DEFAULT_REGION: moto.region,
      AWS_ACCESS_KEY_ID: moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.credentials.secretAccessKey,
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    // The user's own AWS settings (profile, session token, endpoints) must not reach the handlers.
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, env);

    return {
      moto,
      simulator,
      stack,
      names,
      clients,
      env,
      iam,
      async close() {
        for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
        Object.assign(process.env, savedEnv);
        await simulator?.close();
        await moto.stop();
        const denied = iam.denied();
        if (denied.length > 0) throw new IamDeniedCallsError(denied);
      },
    };
  } catch (err) {
    process.env = savedEnv;
    await simulator?.close();
    await moto.stop();
    throw err;
  }
}
