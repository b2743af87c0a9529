import { describe, expect, it } from 'vitest';
import {
  RedriveRefusedError,
  failedVendorJob,
  planRedrive,
  redriveRunId,
} from '../../../src/pipeline/redrive.ts';
import type { RunRecord } from '../../../src/state/records.ts';

const NOW = new Date('2026-05-01T12:00:00Z');
const base: RunRecord = {
  runId: 'ingest-retail-abc',
  kind: 'ingest',
  feed: 'retail',
  status: 'FAILED',
  seed: { bucket: 'b', key: 'seeds/retail/s.csv', versionId: 'v1', etag: null, size: 10, eventTime: 't' },
  startedAt: '2026-05-01T10:00:00Z',
  updatedAt: '2026-05-01T10:05:00Z',
  outputs: [
    {
      scenario: 'small',
      generationId: 'gen_1',
      jobId: null,
      outputKey: 'k',
      manifestKey: 'm',
      format: 'csv',
      rowsGenerated: 40,
      partial: false,
      bytes: 1,
    },
  ],
  rejectedScenarios: [{ name: 'typo', code: 'scenario_conditions_invalid', message: 'm' }],
};

describe('planRedrive', () => {
  it('skips what landed and reuses the run keys (or the keys the run itself reused)', () => {
    const plan = planRedrive(base, NOW);
    expect(plan).toMatchObject({ of: base.runId, landed: ['small'], freshKeys: [], keyRunId: base.runId });
    expect(plan.runId).toBe(redriveRunId(base.runId, NOW));
    expect(plan.runId.length).toBeLessThanOrEqual(80);
    expect(plan.runId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(planRedrive({ ...base, keyRunId: 'ingest-first' }, NOW).keyRunId).toBe('ingest-first');
  });

  it('refuses runs that cannot or need not be re-driven, saying why', () => {
    const refuse = (run: RunRecord): string => {
      try {
        planRedrive(run, NOW);
      } catch (err) {
        expect(err).toBeInstanceOf(RedriveRefusedError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refuse({ ...base, status: 'RUNNING' })).toMatch(/only finished runs/);
    expect(refuse({ ...base, kind: 'generate' })).toMatch(/schedule slot again/);
    expect(refuse({ ...base, seed: null })).toMatch(/drop the seed again/);
    expect(refuse({ ...base, status: 'SUCCEEDED', rejectedScenarios: [] })).toMatch(/nothing to re-drive/);
  });

  it('gives a fresh key only to a scenario whose vendor job ran and failed (failure raised by getJob)', () => {
    expect(failedVendorJob({ operation: 'getJob' })).toBe(true);
    expect(failedVendorJob({ operation: 'createGeneration' })).toBe(false);
    expect(failedVendorJob({ operation: null })).toBe(false);
    expect(failedVendorJob(null)).toBe(false);
    const failure = (code: string, operation: string | null) => ({
      error: 'VendorTerminalError',
      code,
      detail: null,
      message: null,
      status: null,
      request_id: null,
      x_request_id: null,
      operation,
      job_id: null,
      dataset_id: null,
      generation_id: null,
    });
    const outcome = (scenario: string, f: ReturnType<typeof failure>) => ({
      runId: base.runId,
      scenario,
      outcome: 'failed' as const,
      executionArn: null,
      generationId: null,
      jobId: null,
      outputKey: null,
      manifestKey: null,
      format: null,
      rowsRequested: null,
      rowsGenerated: null,
      bytes: null,
      failure: f,
      reason: null,
      recordedAt: '2026-05-01T10:01:00Z',
      eventPublishedAt: null,
    });
    const plan = planRedrive(
      {
        ...base,
        status: 'PARTIAL',
        scenarios: [
          // A code the vendor invented later still counts: the job ran and failed.
          outcome('job', failure('some_new_vendor_code', 'getJob')),
          outcome('quota', failure('simio_quota_exhausted', 'createGeneration')),
          outcome('landing', failure('artifact_integrity', null)),
        ],
      },
      NOW,
    );
    expect(plan.freshKeys).toEqual(['job']);
  });
});
