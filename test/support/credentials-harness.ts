/**
 * Shared set-up for the credentials integration tests: moto (Secrets Manager, DynamoDB, KMS) and
 * the vendor simulator with a controllable clock, plus helpers that play Secrets Manager's part
 * of the rotation protocol.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { vi } from 'vitest';
import { startSimulator } from '../../simulator/index.ts';
import type { RunningSimulator } from '../../simulator/index.ts';
import type { VendorCredentials } from '../../src/client/index.ts';
import { toSecretString } from '../../src/credentials/credential-secret.ts';
import { runRotationStep } from '../../src/credentials/rotation.ts';
import type { RotationDeps, RotationStep } from '../../src/credentials/rotation.ts';
import { awsClientConfig, startMoto } from '../../src/local/moto.ts';
import type { RunningMoto } from '../../src/local/moto.ts';

export interface Environment {
  readonly moto: RunningMoto;
  readonly sim: RunningSimulator;
  readonly sm: SecretsManagerClient;
  /** The simulator's clock; move it forward with {@link Environment.advance}. */
  readonly clock: { offsetMs: number };
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Starts moto and the simulator (its clock = real time + an adjustable offset). */
export async function startEnvironment(): Promise<Environment> {
  const moto = await startMoto();
  const clock = { offsetMs: 0 };
  let sim: RunningSimulator;
  try {
    sim = await startSimulator({ now: () => Date.now() + clock.offsetMs });
  } catch (err) {
    await moto.stop();
    throw err;
  }
  const sm = new SecretsManagerClient(awsClientConfig(moto));
  return {
    moto,
    sim,
    sm,
    clock,
    advance: (ms) => {
      clock.offsetMs += ms;
    },
    close: async () => {
      sm.destroy();
      await sim.close();
      await moto.stop();
    },
  };
}

/** A fresh tenant of the simulator, stored in a new secret; returns the secret name and value. */
export async function tenantSecret(
  env: Environment,
  name: string,
): Promise<{ secretId: string; credentials: VendorCredentials }> {
  const tenant = env.sim.operator.createTenant(`${name} Co`);
  const credentials: VendorCredentials = {
    client_id: tenant.clientId,
    client_secret: tenant.clientSecret,
    token_url: env.sim.tokenUrl,
    audience: env.sim.audience,
    api_base: env.sim.apiBase,
  };
  const secretId = `simulacra/${name}-${randomUUID().slice(0, 8)}`;
  await env.sm.send(new CreateSecretCommand({ Name: secretId, SecretString: toSecretString(credentials) }));
  return { secretId, credentials };
}

/**
 * Secrets Manager's part of RotateSecret: enable rotation and stage an empty AWSPENDING version
 * for a new ClientRequestToken. moto does this and then fails to invoke the (absent) Lambda,
 * which is exactly the state a real rotation Lambda starts from; the tests then invoke the steps.
 */
export async function beginRotation(sm: SecretsManagerClient, secretId: string): Promise<string> {
  const token = randomUUID();
  await sm
    .send(
      new RotateSecretCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:rotate-credentials',
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    )
    .catch((err: unknown) => {
      if (!(err instanceof Error && err.name === 'ResourceNotFoundException')) throw err;
    });
  const stages = await versionStages(sm, secretId);
  if (stages[token]?.join() !== 'AWSPENDING') {
    throw new Error(`moto did not stage an empty AWSPENDING version: ${JSON.stringify(stages)}`);
  }
  return token;
}

/**
 * A whole rotation as Secrets Manager performs it with a rotation function: a new AWSPENDING
 * version, then one invocation of the function per step (`invoke`: the local runner's, so each
 * invocation runs within the function's limits and its AWS calls are judged against its role).
 */
export async function rotateWithFunction(
  sm: SecretsManagerClient,
  secretId: string,
  invoke: (event: { SecretId: string; ClientRequestToken: string; Step: RotationStep }) => Promise<unknown>,
  steps: readonly RotationStep[] = ALL_STEPS,
): Promise<string> {
  const token = await beginRotation(sm, secretId);
  for (const step of steps) await invoke({ SecretId: secretId, ClientRequestToken: token, Step: step });
  return token;
}

/** Runs rotation steps in order for one version. */
export async function runSteps(
  deps: RotationDeps,
  secretId: string,
  token: string,
  steps: readonly RotationStep[],
): Promise<void> {
  for (const step of steps) {
    await runRotationStep({ SecretId: secretId, ClientRequestToken: token, Step: step }, deps);
  }
}

export const ALL_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

export async function versionStages(
  sm: SecretsManagerClient,
  secretId: string,
): Promise<Record<string, string[]>> {
  const out = await sm.send(new DescribeSecretCommand({ SecretId: secretId }));
  return out.VersionIdsToStages ?? {};
}

/** The JSON value of a stage. */
export async function secretJson(
  sm: SecretsManagerClient,
  secretId: string,
  stage = 'AWSCURRENT',
): Promise<VendorCredentials & { versionId: string }> {
  const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  return { ...(JSON.parse(out.SecretString ?? '{}') as VendorCredentials), versionId: out.VersionId ?? '' };
}

/**
 * A fetch that records the claim tokens the vendor hands out (so tests can compare them and check
 * they never reach any output) and can make the next claim call fail like a crashed process.
 */
export function recordingFetch() {
  const claimTokens: string[] = [];
  let failNextClaim = false;
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    if (failNextClaim && url.endsWith('/v1/credential-claims')) {
      failNextClaim = false;
      throw new TypeError('fetch failed (simulated crash before the claim)');
    }
    const response = await fetch(input, init);
    if (url.endsWith('/v1/credential-rotations')) {
      const body = (await response.clone().json()) as { credential_claim_token?: string };
      if (body.credential_claim_token) claimTokens.push(body.credential_claim_token);
    }
    return response;
  };
  return {
    fetch: vi.fn(impl),
    claimTokens,
    failNextClaim: () => {
      failNextClaim = true;
    },
  };
}

/** Captures everything written to stdout/stderr/console while `fn` runs (passing it through). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const record = (chunk: unknown) => chunks.push(typeof chunk === 'string' ? chunk : String(chunk));
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (record(chunk), true)),
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => record(args.join(' '))),
    ),
  ];
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** Throws if any of `secrets` appears in `text`. */
export function expectNoSecretsIn(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) {
    if (secret && text.includes(secret)) {
      throw new Error(`captured output contains a secret value (${secret.slice(0, 5)}...)`);
    }
  }
}
