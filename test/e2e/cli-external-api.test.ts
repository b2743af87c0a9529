import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../simulator/index.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'src', 'cli', 'bin.mjs');

/** Runs the CLI without blocking this process (the API it talks to lives here). */
function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: mkdtempSync(join(tmpdir(), 'cli-cwd-')),
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('run --api-base (another Simulacra-compatible API)', () => {
  let api: RunningSimulator;
  beforeAll(async () => {
    // Stands in for a remote API: only its URL and credentials reach the CLI.
    api = await startSimulator({ autoApprove: true, timings: { trainingMs: 50, generationMs: 50 } });
  });
  afterAll(() => api.close());

  it('runs the whole pipeline against it with the secret from SIMULACRA_CLIENT_SECRET only', async () => {
    const result = await cli(
      [
        'run',
        '--seed',
        join(root, 'examples', 'seeds', 'quickstart.csv'),
        '--scenarios',
        join(root, 'examples', 'seeds', 'scenarios.json'),
        '--feed',
        'external',
        '--api-base',
        api.apiBase,
        '--token-url',
        api.tokenUrl,
        '--audience',
        api.audience,
        '--client-id',
        api.demoTenant.clientId,
        '--json',
      ],
      { SIMULACRA_CLIENT_SECRET: api.demoTenant.clientSecret },
    );
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      status: string;
      feed: string;
      scenarios: { rows_generated: number; rows_requested: number }[];
    };
    expect(summary).toMatchObject({ status: 'SUCCEEDED', feed: 'external' });
    expect(summary.scenarios).toHaveLength(2);
    for (const s of summary.scenarios) expect(s.rows_generated).toBe(s.rows_requested);
    // The vendor work happened on that API, once.
    const counters = api.counters();
    expect(counters.trainings).toBe(1);
    expect(counters.generationsExecuted).toBe(2);
    expect(counters.duplicateWork).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(api.demoTenant.clientSecret);
  });
});
