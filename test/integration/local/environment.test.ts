import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEnvironment, type LocalEnvironment } from '../../../src/local/environment.ts';

describe('local environment from the synthesized stack', () => {
  let local: LocalEnvironment;
  const before = { ...process.env };

  beforeAll(async () => {
    local = await startLocalEnvironment({ mode: 'enterprise', simulator: { timings: { trainingMs: 10 } } });
  });
  afterAll(async () => {
    await local?.close();
  });

  it('creates the stack buckets on moto and points the handlers at it', async () => {
    await local.clients.s3.send(new HeadBucketCommand({ Bucket: local.names.seedBucket }));
    await local.clients.s3.send(new HeadBucketCommand({ Bucket: local.names.outputBucket }));
    expect(process.env['AWS_ENDPOINT_URL']).toBe(local.moto.endpoint);
    expect(local.names.artifactKeyArn).toMatch(/^arn:aws:kms:/);
  });

  it('stores the simulator credential in the stack secret', async () => {
    const secret = await local.clients.secretsManager.send(
      new GetSecretValueCommand({ SecretId: local.names.credentialsSecretArn }),
    );
    const value = JSON.parse(secret.SecretString ?? '{}') as Record<string, string>;
    expect(value['api_base']).toBe(local.simulator?.apiBase);
    expect(value['client_id']).toBe(local.simulator?.demoTenant.clientId);
  });

  it('restores process.env on close', async () => {
    await local.close();
    expect(process.env['AWS_ENDPOINT_URL']).toBe(before['AWS_ENDPOINT_URL']);
  });
});
