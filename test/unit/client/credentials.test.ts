import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SimulacraCredentialsError,
  loadCredentialsFromEnv,
  loadCredentialsFromSecret,
} from '../../../src/client/index.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());
const client = new SecretsManagerClient({ region: 'us-east-1' });
const SECRET = 'super-secret-value-123';

describe('loadCredentialsFromSecret', () => {
  it('reads token_url credentials and trims a trailing slash from api_base', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        client_id: 'c',
        client_secret: SECRET,
        token_url: 'https://t.example/oauth/token',
        audience: 'https://api',
        api_base: 'https://api.example/',
      }),
    });
    await expect(loadCredentialsFromSecret(client, 'arn:secret', 'AWSPREVIOUS')).resolves.toEqual({
      client_id: 'c',
      client_secret: SECRET,
      token_url: 'https://t.example/oauth/token',
      audience: 'https://api',
      api_base: 'https://api.example',
    });
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
      SecretId: 'arn:secret',
      VersionStage: 'AWSPREVIOUS',
    });
  });

  it('derives token_url from auth0_domain', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        client_id: 'c',
        client_secret: SECRET,
        auth0_domain: 'simulacra-data.us.auth0.com',
        audience: 'a',
        api_base: 'https://api',
      }),
    });
    expect((await loadCredentialsFromSecret(client, 's')).token_url).toBe(
      'https://simulacra-data.us.auth0.com/oauth/token',
    );
  });

  it('names missing fields and never echoes the secret', async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_id: 'c', client_secret: SECRET, api_base: 'not a url' }),
    });
    const err = await loadCredentialsFromSecret(client, 's').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulacraCredentialsError);
    expect((err as SimulacraCredentialsError).fields).toEqual(
      expect.arrayContaining(['audience', 'api_base', 'token_url']),
    );
    expect((err as Error).message).toContain('audience');
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('rejects non-JSON secrets without echoing them', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `client_secret=${SECRET}` });
    const err = await loadCredentialsFromSecret(client, 's').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('wraps Secrets Manager failures', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('nope'), { name: 'ResourceNotFoundException' }),
    );
    await expect(loadCredentialsFromSecret(client, 's')).rejects.toThrow(
      /could not read secret s \(ResourceNotFoundException\)/,
    );
  });
});

describe('loadCredentialsFromEnv', () => {
  const env = {
    SIMULACRA_CLIENT_ID: 'cid',
    SIMULACRA_CLIENT_SECRET: SECRET,
    SIMULACRA_AUTH0_DOMAIN: 'https://tenant.auth0.com/',
    SIMULACRA_AUTH0_AUDIENCE: 'https://api.simulacra-data.com',
    SIMULACRA_API_BASE: 'http://127.0.0.1:4010',
  };
  it('reads the SIMULACRA_* variables', () => {
    expect(loadCredentialsFromEnv(env)).toEqual({
      client_id: 'cid',
      client_secret: SECRET,
      token_url: 'https://tenant.auth0.com/oauth/token',
      audience: 'https://api.simulacra-data.com',
      api_base: 'http://127.0.0.1:4010',
    });
    expect(
      loadCredentialsFromEnv({ ...env, SIMULACRA_TOKEN_URL: 'http://127.0.0.1:1/token' }).token_url,
    ).toBe('http://127.0.0.1:1/token');
  });
  it('names the missing variables', () => {
    const err = (() => {
      try {
        return loadCredentialsFromEnv({ SIMULACRA_CLIENT_SECRET: SECRET, SIMULACRA_API_BASE: 'http://x' });
      } catch (e) {
        return e;
      }
    })() as SimulacraCredentialsError;
    expect(err.fields).toEqual(
      expect.arrayContaining([
        'SIMULACRA_CLIENT_ID',
        'SIMULACRA_AUTH0_AUDIENCE',
        'SIMULACRA_TOKEN_URL (or SIMULACRA_AUTH0_DOMAIN)',
      ]),
    );
    expect(err.message).not.toContain(SECRET);
  });
  it('tells a user who still sets the old SIMIO_* names to rename them', () => {
    const err = (() => {
      try {
        return loadCredentialsFromEnv({ ...env, SIMULACRA_CLIENT_ID: undefined, SIMIO_CLIENT_ID: 'cid' });
      } catch (e) {
        return e;
      }
    })() as SimulacraCredentialsError;
    expect(err.fields).toEqual([
      'SIMULACRA_CLIENT_ID (SIMIO_CLIENT_ID is set but no longer read: rename it)',
    ]);
  });
});
