import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetAwsClientsForTests } from '../../../lambdas/commons/clients/lazy.ts';
import { resetVendorClientForTests, vendorClient } from '../../../lambdas/commons/vendor.ts';
import {
  SimulacraClient,
  TokenMintError,
  createTokenProvider,
  loadCredentialsFromSecret,
} from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { verifyCredentials } from '../../../src/credentials/credential-secret.ts';
import {
  RotationRateLimitedError,
  createRotationDeps,
  runRotationStep,
} from '../../../src/credentials/rotation.ts';
import { createTokenCacheResources } from '../../support/token-cache-moto.ts';
import type { Environment } from '../../support/credentials-harness.ts';
import {
  ALL_STEPS,
  beginRotation,
  captureOutput,
  expectNoSecretsIn,
  recordingFetch,
  runSteps,
  secretJson,
  startEnvironment,
  tenantSecret,
  versionStages,
} from '../../support/credentials-harness.ts';

const ROTATE = 'POST /v1/credential-rotations';
let env: Environment;
/** Every secret and claim token seen, to check no output contained one. */
const secretsSeen: string[] = [];
let output = '';

beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(async () => {
  expectNoSecretsIn(output, secretsSeen);
  await env?.close();
});

function rotationDeps() {
  const recorder = recordingFetch();
  const logs: string[] = [];
  const deps = createRotationDeps({
    secretsManager: env.sm,
    fetch: recorder.fetch,
    log: (message, details) => logs.push(`${message} ${JSON.stringify(details)}`),
  });
  return { deps, recorder, logs };
}

/** Runs `fn` capturing all process output into the file-wide record. */
async function captured<T>(fn: () => Promise<T>): Promise<T> {
  const { result, output: text } = await captureOutput(fn);
  output += text;
  return result;
}

async function mints(credentials: VendorCredentials): Promise<boolean> {
  try {
    await verifyCredentials(credentials);
    return true;
  } catch (err) {
    if (err instanceof TokenMintError) return false;
    throw err;
  }
}

const rotations = () => env.sim.counters().calls[ROTATE] ?? 0;

describe('rotation Lambda steps against the simulator and moto', () => {
  it('rotates end to end: the new secret becomes AWSCURRENT and works, the old one is retired', async () => {
    const { secretId, credentials: old } = await tenantSecret(env, 'full');
    const { deps, recorder, logs } = rotationDeps();
    const token = await beginRotation(env.sm, secretId);
    await captured(() => runSteps(deps, secretId, token, ALL_STEPS));

    const current = await secretJson(env.sm, secretId);
    expect(current.versionId).toBe(token);
    expect(current.client_id).toBe(old.client_id);
    expect(current.client_secret).not.toBe(old.client_secret);
    const stages = await versionStages(env.sm, secretId);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    expect(stages[token]).toEqual(['AWSCURRENT']);

    expect(await mints(await loadCredentialsFromSecret(env.sm, secretId, 'AWSCURRENT'))).toBe(true);
    expect(await mints(old)).toBe(false);
    expect(recorder.claimTokens).toHaveLength(1);
    secretsSeen.push(old.client_secret, current.client_secret, ...recorder.claimTokens);
    expectNoSecretsIn(logs.join('\n'), secretsSeen);
  });

  it('a createSecret interrupted before the claim and retried rotates once and reuses the same claim token', async () => {
    const { secretId, credentials: old } = await tenantSecret(env, 'retry');
    const { deps, recorder, logs } = rotationDeps();
    const token = await beginRotation(env.sm, secretId);
    const before = { rotations: rotations(), replays: env.sim.counters().idempotentReplays };

    recorder.failNextClaim();
    await expect(
      captured(() =>
        runRotationStep({ SecretId: secretId, ClientRequestToken: token, Step: 'createSecret' }, deps),
      ),
    ).rejects.toThrow(/claimCredentials failed|fetch failed/);
    expect((await versionStages(env.sm, secretId))[token]).toEqual(['AWSPENDING']);
    await expect(secretJson(env.sm, secretId, 'AWSPENDING')).rejects.toThrow();

    // Secrets Manager retries the step with the same ClientRequestToken.
    await captured(() => runSteps(deps, secretId, token, ['createSecret']));
    // ...and once more after it succeeded: nothing happens.
    await captured(() => runSteps(deps, secretId, token, ['createSecret']));
    await captured(() => runSteps(deps, secretId, token, ['setSecret', 'testSecret', 'finishSecret']));

    const after = env.sim.counters();
    expect(rotations() - before.rotations).toBe(2);
    expect(after.idempotentReplays - before.replays).toBe(1);
    expect(recorder.claimTokens).toHaveLength(2);
    expect(recorder.claimTokens[1]).toBe(recorder.claimTokens[0]);
    const current = await secretJson(env.sm, secretId);
    expect(current.versionId).toBe(token);
    expect(await mints(await loadCredentialsFromSecret(env.sm, secretId, 'AWSCURRENT'))).toBe(true);
    secretsSeen.push(old.client_secret, current.client_secret, ...recorder.claimTokens);
    expectNoSecretsIn(logs.join('\n'), secretsSeen);
  });

  it('the 4th rotation within 24 h is refused: typed error, AWSCURRENT intact, no AWSPENDING', async () => {
    const { secretId, credentials: original } = await tenantSecret(env, 'limit');
    const { deps, recorder } = rotationDeps();
    for (let i = 0; i < 3; i += 1) {
      const token = await beginRotation(env.sm, secretId);
      await captured(() => runSteps(deps, secretId, token, ALL_STEPS));
    }
    const third = await secretJson(env.sm, secretId);

    const token = await beginRotation(env.sm, secretId);
    const err = await captured(() => runSteps(deps, secretId, token, ['createSecret'])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RotationRateLimitedError);
    const limited = err as RotationRateLimitedError;
    expect(limited.message).toContain('at most 3 rotations per 24 h');
    expect(limited.retryAt).not.toBeNull();
    expect(limited.retryAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    const stages = await versionStages(env.sm, secretId);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    const current = await secretJson(env.sm, secretId);
    expect(current).toEqual(third);
    expect(await mints(await loadCredentialsFromSecret(env.sm, secretId, 'AWSCURRENT'))).toBe(true);
    expect(recorder.claimTokens).toHaveLength(3);
    secretsSeen.push(original.client_secret, third.client_secret, ...recorder.claimTokens);

    // Later steps of the refused rotation do not touch the secret either.
    await expect(runSteps(deps, secretId, token, ['finishSecret'])).rejects.toThrow(/not staged AWSPENDING/);
    expect(await secretJson(env.sm, secretId)).toEqual(third);
  });
});

describe('a pipeline run in flight during a rotation', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetVendorClientForTests();
    resetAwsClientsForTests();
  });

  it('re-mints from the new AWSCURRENT after its old token is refused with 401', async () => {
    const { secretId, credentials: old } = await tenantSecret(env, 'inflight');
    const tableName = `state-${Date.now()}`;
    const { dynamo, kms, keyArn } = await createTokenCacheResources(env.moto, tableName);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: env.moto.endpoint,
      AWS_REGION: env.moto.region,
      AWS_ACCESS_KEY_ID: env.moto.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.moto.credentials.secretAccessKey,
      SIMULACRA_SECRET_ARN: secretId,
      STATE_TABLE_NAME: tableName,
      TOKEN_CACHE_KEY_ARN: keyArn,
    });
    resetAwsClientsForTests();
    resetVendorClientForTests();

    // The run starts: the pipeline's client mints a token with the old secret.
    const api = await vendorClient();
    await api.listDatasets({ limit: 1 });
    const mintsBefore = env.sim.counters().tokenMints;

    const { deps, recorder } = rotationDeps();
    const token = await beginRotation(env.sm, secretId);
    await captured(() => runSteps(deps, secretId, token, ALL_STEPS));
    expect(await mints(old)).toBe(false);

    // The run's token expires at the vendor (it still looks valid to the run): the next call gets
    // a 401, and the re-mint must read the rotated secret, not the one the run started with.
    env.advance(25 * 3_600_000);
    const page = await captured(() => api.listDatasets({ limit: 1 }));
    expect(page.items).toEqual([]);
    expect(page.meta.attempts).toBe(2);
    expect(env.sim.counters().tokenMints).toBeGreaterThan(mintsBefore);

    // Without the re-read the same situation fails: the old secret no longer mints.
    const stale = new SimulacraClient({
      apiBase: old.api_base,
      tokenProvider: createTokenProvider({ credentials: old }),
    });
    await expect(stale.listDatasets({ limit: 1 })).rejects.toThrow(TokenMintError);

    const current = await secretJson(env.sm, secretId);
    secretsSeen.push(old.client_secret, current.client_secret, ...recorder.claimTokens);
    dynamo.destroy();
    kms.destroy();
  });
});
