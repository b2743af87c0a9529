/**
 * One generation's quality assessment: profile the seed (one pass over the spooled seed), then
 * profile the artifact while landing inspects it (a batch visitor), then build the report and
 * judge it with the gate. Memory: the seed's row hashes (8 bytes per row), category counts (at
 * most 2000 values per column) and a few fixed-size row samples.
 */
import type { Conditions } from '../client/contract.ts';
import { columnMatchKey, vendorColumnName } from '../conditions/column-names.ts';
import type { BatchVisitor } from '../landing/inspect.ts';
import type { QualitySettings } from './config.ts';
import { evaluateGate, type GateVerdict } from './gate.ts';
import { SeedProfiler, SyntheticProfiler, type ProfileOptions } from './profile.ts';
import { buildReport, type QualityReport, type ReportColumn } from './report.ts';
import { scanSeed, type SeedFileFormat } from './seed-source.ts';

/** Rows kept per row sample (seed halves and artifact): KS within ≈ 0.03 at 95 %. */
export const DEFAULT_SAMPLE_ROWS = 10_000;
/** Sampled rows whose distance to closest record is measured (synthetic, and holdout). */
export const DEFAULT_DCR_ROWS = 1000;
/** Reference rows the DCR is measured against (a sample of the seed's reference half). */
export const DEFAULT_DCR_REFERENCE_ROWS = 5000;

export interface AssessmentPlan {
  readonly seedPath: string;
  readonly seedFormat: SeedFileFormat;
  /** The seed's column names (customer names). */
  readonly seedColumns: readonly string[];
  /** Column names of the generated data (the vendor's cleaned schema). */
  readonly artifactColumns: readonly string[];
  /** Conditions as sent to the vendor (artifact column names). */
  readonly conditions: Conditions | null | undefined;
  readonly settings: QualitySettings;
  readonly sampleRows?: number;
  readonly dcrRows?: number;
  readonly randomSeed?: number;
}

export interface AssessmentOutcome {
  readonly report: QualityReport;
  readonly verdict: GateVerdict;
}

export interface Assessment {
  /** Receives the artifact's batches (the columns it names). */
  readonly visitor: BatchVisitor;
  finish(): AssessmentOutcome;
}

function matchColumns(seedColumns: readonly string[], artifactColumns: readonly string[]) {
  const byName = new Map(artifactColumns.map((name) => [name, name] as const));
  const byKey = new Map(artifactColumns.map((name) => [columnMatchKey(name), name] as const));
  const used = new Set<string>();
  const matched: Array<{ seed: string; artifact: string }> = [];
  const notGenerated: string[] = [];
  for (const seed of seedColumns) {
    const artifact =
      byName.get(vendorColumnName(seed)) ?? byName.get(seed) ?? byKey.get(columnMatchKey(seed));
    if (artifact === undefined || used.has(artifact)) notGenerated.push(seed);
    else {
      used.add(artifact);
      matched.push({ seed, artifact });
    }
  }
  return { matched, notGenerated };
}

function quasiIdentifierIndexes(
  names: readonly string[],
  matched: ReadonlyArray<{ seed: string }>,
): number[] {
  const keys = matched.map((m) => columnMatchKey(m.seed));
  return names.map((name) => keys.indexOf(columnMatchKey(name))).filter((i) => i >= 0);
}

/** Profiles the seed and returns the visitor for the artifact. */
export async function prepareAssessment(plan: AssessmentPlan): Promise<Assessment> {
  const { matched, notGenerated } = matchColumns(plan.seedColumns, plan.artifactColumns);
  const qi = quasiIdentifierIndexes(plan.settings.quasiIdentifiers, matched);
  const sampleRows = plan.sampleRows ?? DEFAULT_SAMPLE_ROWS;
  const options: ProfileOptions = {
    quasiIdentifiers: qi,
    sampleRows,
    randomSeed: plan.randomSeed ?? 20_251_206,
  };
  const seedNames = matched.map((m) => m.seed);
  const seed = new SeedProfiler(seedNames, options);
  await scanSeed(plan.seedPath, plan.seedFormat, {
    columns: seedNames,
    numbersWelcome: true,
    visitBatch: (columns, rowCount) => seed.visitBatch(columns, rowCount),
  });
  // The DCR reference is a smaller sample of the reference half.
  const referenceRows = Math.min(DEFAULT_DCR_REFERENCE_ROWS, sampleRows);
  seed.reference.sample.items.splice(referenceRows);

  const artifactNames = matched.map((m) => m.artifact);
  const synthetic = new SyntheticProfiler(artifactNames, seed, options);
  const constrained = new Set([
    ...Object.keys(plan.conditions?.categorical ?? {}),
    ...Object.keys(plan.conditions?.numeric ?? {}),
  ]);
  return {
    visitor: {
      columns: artifactNames,
      // Cells are compared by value (`toCell`): numeric text may come as numbers.
      numbersWelcome: true,
      visitBatch: (columns, rowCount) => synthetic.visitBatch(columns, rowCount),
    },
    finish() {
      const columns: ReportColumn[] = matched.map((m, i) => {
        const a = seed.reference.stats[i]!;
        const b = seed.holdout.stats[i]!;
        const numeric = a.textCells + b.textCells === 0 && a.numeric + b.numeric > 0;
        return {
          name: m.seed,
          artifactName: m.artifact,
          kind: numeric ? 'numeric' : 'categorical',
          constrained: constrained.has(m.artifact),
        };
      });
      const report = buildReport({
        columns,
        notGenerated,
        seed,
        synthetic,
        settings: plan.settings,
        quasiIdentifiers: qi,
        dcrRows: plan.dcrRows ?? DEFAULT_DCR_ROWS,
      });
      return { report, verdict: evaluateGate(report, plan.settings.gate) };
    },
  };
}
