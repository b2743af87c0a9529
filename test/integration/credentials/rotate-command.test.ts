/**
 * The `rotate` CLI command keeps the docs' promise ("rotate with the CLI"): on a secret without a
 * rotation function it runs the rotation steps itself against Secrets Manager (moto) and the
 * vendor (simulator); on a secret with one it asks Secrets Manager to rotate and waits for the
 * new version to become AWSCURRENT. Never prints a secret.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenMintError, loadCredentialsFromSecret } from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { createRotateCommand } from '../../../src/cli/commands/rotate.ts';
import { verifyCredentials } from '../../../src/credentials/credential-secret.ts';
import type { Environment } from '../../support/credentials-harness.ts';
import {
  expectNoSecretsIn,
  secretJson,
  startEnvironment,
  tenantSecret,
  versionStages,
} from '../../support/credentials-harness.ts';

let env: Environment;
beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(async () => env?.close());

async function mints(credentials: VendorCredentials): Promise<boolean> {
  try {
    await verifyCredentials(credentials);
    return true;
  } catch (err) {
    if (err instanceof TokenMintError) return false;
    throw err;
  }
}

function command(secretsManager: SecretsManagerClient, sleep?: (ms: number) => Promise<void>) {
  const out: string[] = [];
  const cmd = createRotateCommand({
    secretsManager: () => Promise.resolve(secretsManager),
    stdout: (text) => out.push(text),
    stderr: (text) => out.push(text),
    env: {},
    ...(sleep ? { sleep } : {}),
  });
  return { cmd, out };
}

describe('simulacra-pipeline rotate', () => {
  it('rotates a secret without a rotation function on demand: new AWSCURRENT works, old is retired', async () => {
    const { secretId, credentials: old } = await tenantSecret(env, 'cli-rotate');
    const { cmd, out } = command(env.sm);
    expect(await cmd.run(['--secret-id', secretId])).toBe(0);
    const current = await secretJson(env.sm, secretId);
    expect(current.client_secret).not.toBe(old.client_secret);
    const stages = await versionStages(env.sm, secretId);
    expect(stages[current.versionId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    expect(await mints(await loadCredentialsFromSecret(env.sm, secretId, 'AWSCURRENT'))).toBe(true);
    expect(await mints(old)).toBe(false);
    expect(out.join('\n')).toMatch(/Rotated: version \S+ of .* is AWSCURRENT and mints tokens/);
    expectNoSecretsIn(out.join('\n'), [old.client_secret, current.client_secret]);
    expect(env.sim.counters().calls['POST /v1/credential-rotations']).toBeGreaterThanOrEqual(1);
  });

  it('asks Secrets Manager to rotate a secret that has a rotation function, and waits for AWSCURRENT', async () => {
    const sent: string[] = [];
    let token = '';
    const fake = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push(command.constructor.name);
        if (command.constructor.name === 'RotateSecretCommand') {
          token = String(command.input['ClientRequestToken']);
          return Promise.resolve({});
        }
        const stages = token ? { [token]: sent.length > 3 ? ['AWSCURRENT'] : ['AWSPENDING'] } : {};
        return Promise.resolve({
          ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s',
          RotationEnabled: true,
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:rotate',
          VersionIdsToStages: stages,
        });
      },
    } as unknown as SecretsManagerClient;
    const { cmd, out } = command(fake, () => Promise.resolve());
    expect(await cmd.run(['--secret-id', 's', '--deadline', '1m'])).toBe(0);
    expect(sent[1]).toBe('RotateSecretCommand');
    expect(out.join('\n')).toMatch(new RegExp(`Rotated: version ${token} is AWSCURRENT`));
  });

  it('names what is missing instead of guessing the secret', async () => {
    const { cmd, out } = command(env.sm);
    expect(await cmd.run([])).toBe(2);
    expect(out.join('\n')).toMatch(/--secret-id ARN_OR_NAME \(or \$SIMULACRA_SECRET_ID\) is required/);
    expect(await cmd.run(['--secret-id', 'x', '--deadline', 'soon'])).toBe(2);
  });
});
