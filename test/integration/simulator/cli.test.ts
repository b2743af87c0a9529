import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { simulatorCommand } from '../../../src/cli/commands/simulator.ts';

const ROOT = new URL('../../../', import.meta.url);

describe('simulacra-pipeline simulator (process)', () => {
  it('prints the JSON line, serves a token and exits 0 on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      ['src/cli/bin.mjs', 'simulator', '--training-ms', '5', '--generation-ms', '5'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    const info = JSON.parse(firstLine) as Record<string, string>;
    const token = await fetch(info.token_url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: info.client_id,
        client_secret: info.client_secret,
        audience: info.audience,
        grant_type: 'client_credentials',
      }),
    });
    expect(token.status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

describe('simulacra-pipeline simulator --mode enterprise', () => {
  afterEach(() => vi.restoreAllMocks());

  it('starts moto, creates a KMS key, prints the storage and KMS details, and stops moto on SIGTERM', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const running = simulatorCommand.run([
      '--mode',
      'enterprise',
      '--training-ms',
      '5',
      '--generation-ms',
      '5',
    ]);
    while (lines.length === 0) await new Promise((r) => setTimeout(r, 20));
    const info = JSON.parse(lines[0]!) as Record<string, string>;
    expect(info).toMatchObject({ mode: 'enterprise', kms_region: 'us-east-1' });
    expect(info.kms_key_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.storage_base).not.toBe(info.api_base);
    const kms = new KMSClient({
      endpoint: info.kms_endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const key = await kms.send(new DescribeKeyCommand({ KeyId: info.kms_key_id }));
    expect(key.KeyMetadata?.Enabled).toBe(true);
    kms.destroy();
    process.emit('SIGTERM');
    expect(await running).toBe(0);
    await expect(fetch(`${info.kms_endpoint}/moto-api/`)).rejects.toThrow();
  });
});
