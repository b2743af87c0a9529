import { describe, expect, it } from 'vitest';
import { EXIT_CODES, exitCodeOf, jsonSummary, textReport } from '../../../src/cli/local-run-report.ts';
import { externalApiFrom, positiveInteger, UsageError } from '../../../src/cli/local-run-options.ts';
import { feedFromFileName, type LocalRunSummary } from '../../../src/local/local-run.ts';

const succeeded: LocalRunSummary = {
  status: 'SUCCEEDED',
  feed: 'quickstart',
  runId: 'ingest-quickstart-abc',
  datasetId: 'ds_1',
  stateTransitions: 31,
  error: null,
  localDir: '/tmp/landed',
  query: { sql: 'SELECT 1', rows: [{ scenario: 'tight', rows: 12 }] },
  scenarios: [
    {
      name: 'tight',
      outcome: 'partial',
      error: null,
      generationId: 'gen_1',
      format: 'parquet',
      rowsRequested: 100,
      rowsGenerated: 12,
      partial: true,
      outputKey: 'synthetic/feed=quickstart/scenario=tight/dt=2026-11-24/gen_1.parquet',
      manifestKey: '_manifests/feed=quickstart/scenario=tight/dt=2026-11-24/gen_1.json',
      conforms: false,
      conformance: {
        conforms: false,
        clampedColumns: [],
        tolerance: 0.02,
        rowsRequested: 100,
        rowsGenerated: 12,
        rowsObserved: 12,
        partial: true,
        categorical: [
          {
            column: 'segment',
            present: true,
            count: 12,
            missing: 0,
            unrequestedShare: 0,
            conforms: false,
            levels: [
              {
                level: 'Premium',
                requestedShare: 0.9,
                deliveredShare: 0.5,
                deliveredCount: 6,
                deviation: 0.4,
                withinTolerance: false,
              },
            ],
          },
        ],
        numeric: [],
      },
      quality: {
        passed: true,
        fidelityScore: 0.912,
        exactMatchShare: 0,
        exactMatchExcess: -0.004,
        dcrCloseShare: 0.031,
        passThroughColumns: 0,
        failedMetrics: [],
      },
      quarantined: false,
    },
  ],
};

describe('local run report', () => {
  it('shows partial generations and failed conditions plainly', () => {
    const text = textReport(succeeded);
    expect(text).toContain('SUCCEEDED (dataset ds_1, 31 state transitions)');
    expect(text).toMatch(/tight\s+PARTIAL\s+gen_1\s+parquet\s+100\s+12\s+NO/);
    expect(text).toMatch(/segment = Premium\s+90\.0%\s+50\.0%\s+NO/);
    expect(text).toContain('Landed objects and manifests copied to /tmp/landed');
  });

  it('gives machine-readable ids, counts and keys, and the vendor code on failure', () => {
    const json = jsonSummary({
      ...succeeded,
      status: 'FAILED',
      scenarios: [],
      error: {
        code: 'quota_exceeded',
        error: 'VendorTerminalError',
        detail: 'row quota',
        requestId: 'req_9',
      },
    });
    expect(json).toMatchObject({ status: 'FAILED', feed: 'quickstart', error: { code: 'quota_exceeded' } });
    expect(jsonSummary(succeeded)['scenarios']).toEqual([
      expect.objectContaining({ generation_id: 'gen_1', status: 'partial', rows_generated: 12 }),
    ]);
  });

  it('lists every scenario with its outcome on a partial run, and exits with the documented codes', () => {
    const partial: LocalRunSummary = {
      ...succeeded,
      status: 'PARTIAL',
      query: { sql: 'SELECT 1', rows: [], error: 'Nothing queryable landed (arrow)' },
      scenarios: [
        ...succeeded.scenarios,
        {
          name: 'huge',
          outcome: 'failed',
          generationId: null,
          format: null,
          rowsRequested: 5000,
          rowsGenerated: null,
          partial: false,
          outputKey: null,
          manifestKey: null,
          conforms: null,
          conformance: null,
          quality: null,
          quarantined: false,
          error: {
            code: 'simio_quota_exhausted',
            error: 'VendorTerminalError',
            detail: 'row quota',
            requestId: 'r',
          },
        },
      ],
    };
    const json = jsonSummary(partial);
    expect(json).toMatchObject({
      status: 'PARTIAL',
      exit_code: 3,
      scenario_counts: { landed: 0, partial: 1, failed: 1, skipped: 0 },
      query: { error: 'Nothing queryable landed (arrow)' },
    });
    expect(json['scenarios']).toEqual([
      expect.objectContaining({ name: 'tight', outcome: 'partial', error: null }),
      expect.objectContaining({
        name: 'huge',
        outcome: 'failed',
        status: 'failed',
        output_keys: [],
        error: expect.objectContaining({ code: 'simio_quota_exhausted' }),
      }),
    ]);
    expect(textReport(partial)).toMatch(
      /huge\s+FAILED\s+-\s+-\s+5000\s+-\s+-\s+simio_quota_exhausted: row quota/,
    );
    expect(textReport(partial)).toContain('No SQL result: Nothing queryable landed (arrow)');
    expect(EXIT_CODES).toEqual({ succeeded: 0, failed: 1, usage: 2, partial: 3 });
    expect(['SUCCEEDED', 'PARTIAL', 'FAILED', 'REJECTED'].map((s) => exitCodeOf(s as never))).toEqual([
      0, 3, 1, 1,
    ]);
  });

  it('shows the quality headline and names the metric of a quarantined generation', () => {
    const copied = {
      ...succeeded.scenarios[0]!,
      name: 'leaky',
      outcome: 'failed' as const,
      outputKey: null,
      error: { code: null, error: 'QualityGateError', detail: 'exact_match_excess', requestId: null },
      quarantined: true,
      quality: {
        passed: false,
        fidelityScore: 0.98,
        exactMatchShare: 1,
        exactMatchExcess: 0.52,
        dcrCloseShare: 0.56,
        passThroughColumns: 2,
        failedMetrics: ['exact_match_excess', 'dcr_close_share'],
      },
    };
    const text = textReport({ ...succeeded, scenarios: [...succeeded.scenarios, copied] });
    expect(text).toMatch(/tight\s+0\.912\s+0\.0%\s+-0\.4%\s+3\.1%\s+0\s+passed/);
    expect(text).toMatch(
      /leaky\s+0\.980\s+100\.0%\s+52\.0%\s+56\.0%\s+2\s+QUARANTINED \(exact_match_excess, dcr_close_share\)/,
    );
    expect(jsonSummary({ ...succeeded, scenarios: [copied] })['scenarios']).toEqual([
      expect.objectContaining({ quarantined: true, quality: expect.objectContaining({ passed: false }) }),
    ]);
  });

  it('prints the failure with the vendor request id', () => {
    const text = textReport({
      ...succeeded,
      status: 'FAILED',
      scenarios: [],
      query: null,
      error: {
        code: 'quota_exceeded',
        error: 'VendorTerminalError',
        detail: 'row quota',
        requestId: 'req_9',
      },
    });
    expect(text).toContain('error: quota_exceeded: row quota (vendor request req_9)');
  });
});

describe('local run options', () => {
  it('derives a path-safe feed name from a file name', () => {
    expect(feedFromFileName('/data/Panel Wave 3.csv')).toBe('panel-wave-3');
    expect(feedFromFileName('___.parquet')).toBe('feed');
  });

  it('reads the external API from flags over SIMULACRA_* variables, the secret only from the environment', () => {
    expect(externalApiFrom({})).toBeNull();
    const api = externalApiFrom(
      { 'api-base': 'https://api.example.test', 'client-id': 'cli_flag' },
      {
        SIMULACRA_CLIENT_ID: 'cli_env',
        SIMULACRA_CLIENT_SECRET: 's3cret',
        SIMULACRA_AUTH0_DOMAIN: 'tenant.auth.example.test',
        SIMULACRA_AUTH0_AUDIENCE: 'https://api.example.test',
      },
    );
    expect(api).toMatchObject({
      apiBase: 'https://api.example.test',
      clientId: 'cli_flag',
      clientSecret: 's3cret',
    });
    expect(api?.tokenUrl).toBe('https://tenant.auth.example.test/oauth/token');
  });

  it('names a bad number flag', () => {
    expect(positiveInteger(undefined, 'training-ms', 400)).toBe(400);
    expect(() => positiveInteger('-3', 'training-ms', 400)).toThrow(UsageError);
    expect(() => positiveInteger('abc', 'training-ms', 400)).toThrow(/--training-ms must be/);
  });
});
