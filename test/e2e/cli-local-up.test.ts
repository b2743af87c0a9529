import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('simulacra-pipeline local up', () => {
  it('prints its endpoints, runs the pipeline for an uploaded seed and stops on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'src', 'cli', 'bin.mjs'), 'local', 'up', '--poll-ms', '200'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const stderrLines: string[] = [];
    const stderr = createInterface({ input: child.stderr });
    stderr.on('line', (line) => stderrLines.push(line));
    try {
      const stdout = createInterface({ input: child.stdout });
      const [first] = (await once(stdout, 'line')) as [string];
      const info = JSON.parse(first) as Record<string, string>;
      expect(info['api_base']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const s3 = new S3Client({
        endpoint: info['aws_endpoint'],
        region: info['region'],
        forcePathStyle: true,
        credentials: {
          accessKeyId: info['aws_access_key_id']!,
          secretAccessKey: info['aws_secret_access_key']!,
        },
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: info['seed_bucket'],
          Key: 'seeds/panel/quickstart.csv',
          Body: readFileSync(join(root, 'examples', 'seeds', 'quickstart.csv')),
        }),
      );
      const deadline = Date.now() + 120_000;
      while (
        !stderrLines.some((line) => line.startsWith('seeds/panel/quickstart.csv:')) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(stderrLines.find((line) => line.startsWith('seeds/panel/'))).toBe(
        'seeds/panel/quickstart.csv: started → SUCCEEDED',
      );
      const landed = await s3.send(
        new ListObjectsV2Command({
          Bucket: info['output_bucket'],
          Prefix: 'synthetic/feed=panel/scenario=default/',
        }),
      );
      expect(landed.KeyCount).toBe(1);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
