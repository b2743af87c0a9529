import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { MotoStartError, awsClientConfig, startMoto } from '../../../src/local/moto.ts';

describe('startMoto', () => {
  it('starts on a free loopback port, serves KMS, and stops', async () => {
    const moto = await startMoto();
    try {
      expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(moto.region).toBe('us-east-1');
      expect(awsClientConfig(moto)).toEqual({
        endpoint: moto.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        forcePathStyle: true,
      });
      const kms = new KMSClient(awsClientConfig(moto));
      const created = await kms.send(new CreateKeyCommand({ Description: 'moto test' }));
      const described = await kms.send(new DescribeKeyCommand({ KeyId: created.KeyMetadata!.KeyId! }));
      expect(described.KeyMetadata?.Description).toBe('moto test');
      kms.destroy();
    } finally {
      await moto.stop();
    }
    await moto.stop();
    await expect(fetch(`${moto.endpoint}/moto-api/`)).rejects.toThrow();
  });

  it('runs two servers side by side on different ports', async () => {
    const [a, b] = await Promise.all([startMoto(), startMoto()]);
    try {
      expect(a.endpoint).not.toBe(b.endpoint);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('explains how to install moto when .venv is missing', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'no-venv-'));
    const error: unknown = await startMoto({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotoStartError);
    expect((error as Error).message).toContain('npm run setup');
  });
});
