import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'src', 'cli', 'bin.mjs');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: mkdtempSync(join(tmpdir(), 'cli-cwd-')),
    encoding: 'utf8',
    timeout: 240_000,
    // A user's AWS settings must not leak into the local run.
    env: { ...process.env, AWS_PROFILE: 'someone-elses-profile', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonSummary {
  status: string;
  feed: string;
  dataset_id: string | null;
  state_transitions: number;
  error: { code: string | null; detail: string | null } | null;
  scenarios: {
    name: string;
    status: string;
    rows_requested: number;
    rows_generated: number;
    output_keys: string[];
    conformance: { conforms: boolean } | null;
  }[];
  local_dir: string | null;
}

describe('simulacra-pipeline demo and run, as a user runs them', () => {
  it('demo --json lands both example scenarios, conforming, and copies them out', () => {
    const out = mkdtempSync(join(tmpdir(), 'demo-out-'));
    const result = cli(['demo', '--json', '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as JsonSummary;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.feed).toBe('quickstart');
    expect(summary.scenarios.map((s) => s.name).sort()).toEqual(['online-young', 'premium-heavy']);
    for (const scenario of summary.scenarios) {
      expect(scenario.rows_generated).toBe(scenario.rows_requested);
      expect(scenario.conformance?.conforms).toBe(true);
      for (const key of scenario.output_keys) expect(existsSync(join(out, key))).toBe(true);
    }
    // Polls on the deployed schedule compressed in time (two scenarios: about 9 + 3·(5 + 4) + 4 + 3·4),
    // not every few milliseconds.
    expect(summary.state_transitions).toBeLessThan(70);
    // The terminal shows progress and the report only: no handler log lines, no secrets.
    expect(result.stdout).not.toMatch(/"level":"(DEBUG|INFO|WARN|ERROR)"|client_secret|Bearer |eyJ/);
  });

  it('run refuses a malformed scenario file before starting anything, naming the problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bad-scenarios-'));
    const scenarios = join(dir, 'scenarios.json');
    writeFileSync(scenarios, JSON.stringify({ scenarios: [{ name: 'Bad Name', row_count: -1 }] }));
    const result = cli([
      'run',
      '--seed',
      join(root, 'examples', 'seeds', 'quickstart.csv'),
      '--scenarios',
      scenarios,
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/scenarios\[0\]\.name/);
    expect(result.stderr).toMatch(/row_count/);
  });

  it('run --json on a malformed seed fails cleanly with the vendor code and lands nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'malformed-out-'));
    const result = cli([
      'run',
      '--seed',
      join(root, 'examples', 'seeds', 'malformed.csv'),
      '--json',
      '--out',
      out,
    ]);
    expect(result.status).toBe(1);
    const summary = JSON.parse(result.stdout) as JsonSummary;
    expect(summary.status).toBe('FAILED');
    expect(summary.error?.code).toBeTruthy();
    expect(summary.scenarios).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('run explains a missing seed with usage and exit code 2', () => {
    const result = cli(['run', '--seed', '/nonexistent/seed.csv']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--seed /nonexistent/seed.csv: no such file');
  });
});
