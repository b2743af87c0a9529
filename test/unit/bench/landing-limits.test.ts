/**
 * The landing throughput row's "what limits it" (bench/report-perf.ts): from the CPU time the
 * landing, moto and the artifact server spent per 100 MB, the ratio 2 cores allow and the landing
 * CPU the target would need.
 */
import { describe, expect, it } from 'vitest';
import type { LandingCase, LandingData } from '../../../bench/landing.ts';
import { landingChecks } from '../../../bench/report-perf.ts';

function landingCase(overrides: Partial<LandingCase>): LandingCase {
  return {
    mode: 'managed',
    scanThread: 'worker',
    sizeLabel: '100 MB',
    bytes: 100e6,
    rows: 10,
    seconds: 2.5,
    mbPerSecond: 40,
    slowestLimit: 'upload',
    slowestLimitMbPerSecond: 100,
    ratioOfSlowestLimit: 0.4,
    peakRssMiB: 200,
    baselineRssMiB: 100,
    cpuSeconds: 2,
    loadAverage: 1,
    ...overrides,
  };
}

function data(cases: LandingCase[]): LandingData {
  return {
    format: 'csv',
    memoryMb: 3538,
    vcpus: 2,
    rawLimits: [{ name: 'upload', what: 's3', mbPerSecond: 100, bytes: 100e6, motoCpuSeconds: 1.2 }],
    inspectMbPerSecond: 150,
    cases,
    targets: { peakRssMiBAt1GB: 256, minRatioOfSlowestLimit: 0.8 },
  };
}

const throughputRow = (d: LandingData) =>
  landingChecks(d).find((c) => c.target.startsWith('Landing throughput'));

describe('landing throughput: what limits it', () => {
  it('states the CPU budget: landing, moto and server per 100 MB, the cap 2 cores allow, the landing CPU needed', () => {
    // 2 + 1.5 + 0.5 = 4 CPU-s on 2 cores: at least 2 s for what the upload alone does in 1 s.
    const row = throughputRow(data([landingCase({ motoCpuSeconds: 1.5, serverCpuSeconds: 0.5 })]));
    expect(row?.verdict).toContain('MISSED');
    const text = row?.limitedBy ?? '';
    expect(text).toContain('the landing process 2 CPU-seconds');
    expect(text).toContain('moto 1.5 for the same bytes (1.2 for the raw upload alone)');
    expect(text).toContain('4 CPU-seconds in all for 2 cores');
    expect(text).toContain('caps the ratio at 0.5 ');
    expect(text).toContain('the landing reached 0.8 of its cap');
    // 0.8 allows 1.25 s, 2.5 CPU-s, of which moto and the server take 2.
    expect(text).toContain('would need about 0.5 CPU-seconds per 100 MB');
  });

  it('leaves the budget out for results without moto CPU times', () => {
    const text = throughputRow(data([landingCase({})]))?.limitedBy ?? '';
    expect(text).toContain('the landing process 2 CPU-seconds');
    expect(text).not.toContain('caps the ratio');
  });
});

describe('landing peak RSS: what it is made of', () => {
  const peakRow = (d: LandingData) => landingChecks(d).find((c) => c.target.startsWith('Landing peak RSS'));
  const large = (overrides: Partial<LandingCase>) =>
    landingCase({ sizeLabel: '1 GB', bytes: 1e9, peakRssMiB: 260, ...overrides });

  it('names the function after its init and the bare runtime when the built bundle was measured', () => {
    const d = { ...data([large({ baselineRssMiB: 67, runtimeRssMiB: 48 })]), measured: 'bundle' as const };
    const text = peakRow(d)?.limitedBy ?? '';
    expect(text).toContain('67 MiB of the 260 MiB is the function after its init');
    expect(text).toContain('Node alone 48 MiB');
    expect(text).not.toContain('tsx');
  });

  it('says tsx compiled the sources for results from before the bundle', () => {
    const text = peakRow(data([large({ baselineRssMiB: 106 })]))?.limitedBy ?? '';
    expect(text).toContain('106 MiB of the 260 MiB is the process before the landing starts');
    expect(text).toContain('tsx compiling the sources');
  });
});
