/**
 * Renders BENCHMARKS.md (repository root) from `bench/results/*.json`: a verdict per target,
 * what limits each missed target, and one section per benchmark. Pure rendering
 * ({@link renderBenchmarks}) is unit-tested; `tsx bench/report.ts` regenerates the file alone.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, isMain, readResult, runAsScript, type BenchResult } from './common.ts';
import type { ColdStartData } from './cold-start.ts';
import { coldStartChecks, coldStartSection } from './report-cold-start.ts';
import { landingChecks, landingSection } from './report-perf.ts';
import { fmt, table, verdict, type TargetCheck } from './report-format.ts';
import { costSection, economySection, waitingChecks } from './report-waiting.ts';
import { scaleChecks, scaleSection, type ScaleExtras } from './report-scale.ts';
import type { CostData } from './cost.ts';
import { readFaultMatrix, type FaultMatrixRow } from './fault-matrix.ts';
import type { LandingData } from './landing.ts';
import type { QualityBenchData } from './quality.ts';
import { qualitySection } from './quality-report.ts';
import { SCALE_DEFAULT_SEEDS, SCALE_TARGETS, scaleResultName, type ScaleData } from './scale.ts';
import type { EconomyData } from './vendor-economy.ts';

export type { TargetCheck, Verdict } from './report-format.ts';

export interface AllResults {
  readonly landing: BenchResult<LandingData> | null;
  readonly cost: BenchResult<CostData> | null;
  readonly economy: BenchResult<EconomyData> | null;
  readonly scale: BenchResult<ScaleData> | null;
  /** The scale runs made by their own commands (target size, local floor), if measured. */
  readonly scaleExtras?: ScaleExtras;
  readonly coldStart: BenchResult<ColdStartData> | null;
  /** The quality report's cost (bench/quality.ts). */
  readonly quality?: BenchResult<QualityBenchData> | null;
  readonly faultMatrix: {
    readonly rows: readonly FaultMatrixRow[];
    readonly generatedAt: string | null;
    /** Set by `bench/run.ts` when the test file is missing or failed. */
    readonly note?: string | null;
  };
  /** Total wall time of `npm run bench`, seconds, when known. */
  readonly totalSeconds?: number | null;
  readonly large?: boolean;
  /** Benchmarks that failed to run in the last full run. */
  readonly failures?: readonly string[];
}

/** What `bench/run.ts` records about the whole run (`bench/results/run.json`). */
export interface RunMeta {
  readonly totalSeconds: number | null;
  readonly large: boolean;
  readonly benchmarks: readonly string[];
  readonly failures: readonly string[];
  readonly faultMatrixNote: string | null;
}

/** Every target of the issue, checked against the results. */
export function checkTargets(results: AllResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  checks.push(...landingChecks(results.landing?.data));
  checks.push(...waitingChecks(results.cost?.data, results.economy?.data));
  const economy = results.economy?.data;
  const herd = economy?.tokenMints.find((c) => c.shape.includes('same instant'));
  const warm = economy?.tokenMints.find((c) => c.shape.includes('warms'));
  const mintTarget = economy?.targets.tokenMintsPer100ConcurrentRuns ?? 1;
  checks.push({
    target: `${mintTarget} token mint per 100 concurrent runs (shared DynamoDB token cache)`,
    measured: economy
      ? `${warm?.tokenMints ?? '–'} with a warm cache; ${herd?.tokenMints ?? '–'} when all 100 containers start cold at once`
      : '–',
    verdict: verdict(
      economy
        ? (herd?.tokenMints ?? Infinity) <= mintTarget && (warm?.tokenMints ?? Infinity) <= mintTarget
        : null,
    ),
    limitedBy:
      herd && herd.tokenMints > mintTarget
        ? `The shared cache is read-then-mint: containers that start together all miss the empty cache and mint before the first ` +
          `writes it (single-flight is per container only). Fix (CLIENT): a mint lease in the state table (conditional put of a ` +
          `short-lived "minting" item; losers poll the cache for a few hundred ms before minting themselves).`
        : null,
  });
  checks.push(...scaleChecks(results.scale?.data, results.scaleExtras));
  checks.push(...coldStartChecks(results.coldStart?.data));
  const rows = results.faultMatrix.rows;
  const dup = rows.reduce((s, r) => s + r.duplicateVendorWork, 0);
  const secrets = rows.reduce((s, r) => s + r.secretsFound, 0);
  checks.push({
    target: 'Fault matrix: duplicate vendor work 0 and secrets found 0 in every row',
    measured: rows.length > 0 ? `${rows.length} faults; duplicate work ${dup}; secrets ${secrets}` : '–',
    verdict: verdict(rows.length > 0 ? dup === 0 && secrets === 0 : null),
    limitedBy: null,
  });
  return checks;
}

function faultMatrixSection(fm: AllResults['faultMatrix']): string {
  const lines = ['## 6. Fault matrix', ''];
  lines.push(
    'From `test/e2e/fault-matrix.test.ts` (E2E suite), which `npm run bench` runs; it writes `bench/results/fault-matrix.json`.',
  );
  if (fm.note) lines.push('', `**${fm.note}**`);
  if (fm.rows.length === 0) {
    lines.push('', 'No fault-matrix results exist yet.');
    return lines.join('\n');
  }
  lines.push(
    '',
    table(
      [
        'fault',
        'outcome',
        'data landed',
        'duplicate vendor work (must be 0)',
        'secrets found (must be 0)',
        're-drive',
      ],
      fm.rows.map((r) => [
        r.fault,
        r.outcome,
        r.dataLanded,
        r.duplicateVendorWork,
        r.secretsFound,
        r.redrive ?? '-',
      ]),
    ),
  );
  return lines.join('\n');
}

/** The whole BENCHMARKS.md. */
export function renderBenchmarks(results: AllResults): string {
  const checks = checkTargets(results);
  const any = [results.landing, results.cost, results.economy, results.scale, results.coldStart].find(
    (r) => r,
  );
  const machine = any?.machine;
  const missed = checks.filter((c) => c.verdict === 'MISSED');
  const parts = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts) from bench/results/*.json. Do not edit by hand. -->',
    '',
    `Measured ${any?.generatedAt.slice(0, 10) ?? '–'} on ${machine ? `${machine.cpus} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}` : 'an unknown machine'}` +
      (results.totalSeconds
        ? `; \`npm run bench${results.large ? '' : ' -- --quick'}\` took ${fmt(results.totalSeconds / 60, 1)} min.`
        : '.'),
    'Everything runs on this one machine: moto for AWS, the simulator for the vendor, aws-local-stepfunctions for Step Functions. ' +
      'Figures are ratios or counts against baselines measured in the same run; absolute times only hold for this machine.',
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured', 'verdict'],
      checks.map((c) => [c.target, c.measured, c.verdict === 'MISSED' ? '**MISSED**' : c.verdict]),
    ),
  ];
  if (results.failures && results.failures.length > 0) {
    parts.push(
      '',
      `**These benchmarks failed to run in the last full run; their sections show older results or none: ${results.failures.join(', ')}.**`,
    );
  }
  if (missed.length > 0) {
    parts.push('', '### What limits the missed targets', '');
    for (const c of missed) parts.push(`- **${c.target}**: ${c.limitedBy ?? 'see the section below.'}`);
  }
  parts.push(
    '',
    landingSection(results.landing, results.large ?? false),
    '',
    qualitySection(results.quality),
    '',
    costSection(results.cost),
    '',
    economySection(results.economy),
    '',
    scaleSection(results.scale, results.scaleExtras),
    '',
    coldStartSection(results.coldStart),
    '',
    faultMatrixSection(results.faultMatrix),
    '',
  );
  return parts.join('\n');
}

/** Reads every results file (and the last full run's metadata). */
export function readAllResults(): AllResults {
  const run = readResult<RunMeta>('run');
  const meta = run?.data;
  const faultMatrix = readFaultMatrix();
  // The last full run's note describes that run's fault matrix; results measured since replace it.
  const noteIsCurrent =
    faultMatrix.generatedAt === null || run === null || faultMatrix.generatedAt <= run.generatedAt;
  return {
    landing: readResult<LandingData>('landing'),
    cost: readResult<CostData>('cost'),
    economy: readResult<EconomyData>('vendor-economy'),
    scale: readResult<ScaleData>('scale'),
    scaleExtras: {
      target: readResult<ScaleData>(scaleResultName(SCALE_TARGETS.seeds, false)),
      floor: readResult<ScaleData>(scaleResultName(SCALE_DEFAULT_SEEDS, true)),
      targetFloor: readResult<ScaleData>(scaleResultName(SCALE_TARGETS.seeds, true)),
    },
    coldStart: readResult<ColdStartData>('cold-start'),
    quality: readResult<QualityBenchData>('quality'),
    faultMatrix: { ...faultMatrix, note: noteIsCurrent ? (meta?.faultMatrixNote ?? null) : null },
    totalSeconds: meta?.totalSeconds ?? null,
    large: meta?.large ?? false,
    failures: meta?.failures ?? [],
  };
}

export const BENCHMARKS_PATH = join(REPO_ROOT, 'BENCHMARKS.md');

/** Regenerates BENCHMARKS.md from the results on disk. */
export function writeBenchmarks(): TargetCheck[] {
  const results = readAllResults();
  writeFileSync(BENCHMARKS_PATH, renderBenchmarks(results));
  return checkTargets(results);
}

if (isMain(import.meta.url)) {
  runAsScript(() => {
    for (const c of writeBenchmarks()) console.log(`${c.verdict.padEnd(12)} ${c.target}`);
    return Promise.resolve();
  });
}
