import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', '..', '..', 'scripts', 'summarize-report.mjs');

function summarize(report: unknown): { lastLine: string; status: number | null } {
  const file = join(mkdtempSync(join(tmpdir(), 'report-')), 'vitest.json');
  writeFileSync(file, JSON.stringify(report));
  const result = spawnSync(process.execPath, [script, file], { encoding: 'utf8' });
  const lines = result.stdout.trim().split('\n');
  return { lastLine: lines[lines.length - 1] ?? '', status: result.status };
}

describe('CI closing line', () => {
  it('ends with the plain "N passed, N failed" line and exits 0 when all pass', () => {
    const out = summarize({ numPassedTests: 12, numFailedTests: 0, numPendingTests: 2, testResults: [] });
    expect(out.lastLine).toBe('12 passed, 0 failed');
    expect(out.status).toBe(0);
  });

  it('counts a test file that failed to load as a failure', () => {
    const out = summarize({
      numPassedTests: 3,
      numFailedTests: 1,
      testResults: [{ status: 'failed', assertionResults: [] }],
    });
    expect(out.lastLine).toBe('3 passed, 2 failed');
    expect(out.status).toBe(1);
  });

  it('fails when nothing ran', () => {
    expect(summarize({ numPassedTests: 0, numFailedTests: 0, testResults: [] }).status).toBe(1);
  });
});
