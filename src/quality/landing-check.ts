/**
 * The quality report as landing's content check: reads the generation's seed and the vendor's
 * schema, profiles the artifact while it is inspected, judges the publish gate, and writes the
 * metrics row next to the manifest. Fails closed: a seed that cannot be read fails the landing
 * (nothing is published without its report).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SimulacraApi } from '../client/contract.ts';
import type { ContentCheck, ContentCheckFactory, QualityHeadline } from '../landing/content-check.ts';
import type { LandingManifest } from '../landing/manifest.ts';
import { createSpoolDir, removeSpoolDir } from '../landing/spool.ts';
import { prepareAssessment, type AssessmentOutcome } from './assess.ts';
import { resolveSettings, type QualitySettings } from './config.ts';
import { describeFailures } from './gate.ts';
import { metricsKey, type MetricsRow } from './metrics-table.ts';
import { seedColumns, seedFormatOf, spoolSeed, type SeedLocation } from './seed-source.ts';

export interface QualityCheckDeps {
  readonly s3: S3Client;
  readonly api: SimulacraApi;
  /** Output bucket and key for the metrics rows. */
  readonly bucket: string;
  readonly kmsKeyId: string;
  /** Settings a scenario's `quality` section overrides (the construct's defaults). */
  readonly defaults: QualitySettings;
  readonly tmpDir: string;
  /** The function's ephemeral storage (`tmpDir`), bytes: the seed must fit. Default: unbounded. */
  readonly ephemeralStorageBytes?: number | undefined;
  readonly sampleRows?: number;
}

export function headline(outcome: AssessmentOutcome): QualityHeadline {
  const { report, verdict } = outcome;
  return {
    passed: verdict.passed,
    fidelityScore: report.fidelity.score,
    exactMatchShare: report.privacy.exactMatch.share,
    exactMatchExcess: report.privacy.exactMatch.excess,
    dcrCloseShare: report.privacy.dcr.closeShare,
    passThroughColumns: report.privacy.passThrough.length,
    failedMetrics: verdict.failedMetrics,
  };
}

/** The metrics-table row of a landed generation. */
export function metricsRow(
  manifest: LandingManifest,
  manifestKey: string,
  outcome: AssessmentOutcome,
): MetricsRow {
  const { report, verdict } = outcome;
  const { exactMatch, quasiIdentifierMatch: qi, dcr, rareCategories: rare } = report.privacy;
  return {
    generation_id: manifest.generationId,
    run_id: manifest.runId,
    feed: manifest.feed,
    scenario: manifest.scenarioName,
    dt: manifest.dt,
    landed_at: manifest.landedAt,
    published: verdict.passed,
    failed_metrics: verdict.failedMetrics.join(','),
    output_key: manifest.outputKey,
    manifest_key: manifestKey,
    report_version: report.reportVersion,
    seed_rows: report.seed.rows,
    synthetic_rows: report.syntheticRows,
    fidelity_score: report.fidelity.score,
    fidelity_holdout_score: report.fidelity.holdoutScore,
    column_score: report.fidelity.columnScore,
    pair_score: report.fidelity.pairScore,
    exact_match_share: exactMatch.share,
    exact_match_excess: exactMatch.excess,
    exact_match_holdout_share: exactMatch.holdoutShare,
    qi_match_share: qi?.share ?? null,
    qi_match_excess: qi?.excess ?? null,
    dcr_synthetic_p5: dcr.syntheticP5,
    dcr_holdout_p5: dcr.holdoutP5,
    dcr_close_share: dcr.closeShare,
    dcr_median_ratio: dcr.medianRatio,
    rare_levels: rare.rareLevels,
    rare_levels_reproduced: rare.reproduced,
    rare_category_share: rare.share,
    rare_category_holdout_share: rare.holdoutShare,
    pass_through_columns: report.privacy.passThrough.map((p) => p.column).join(','),
  };
}

/** Landing's content check backed by the quality report; null for landings without a seed. */
export function qualityCheck(deps: QualityCheckDeps): ContentCheckFactory {
  return async (input, generation) => {
    const seed: SeedLocation | null | undefined = input.seed;
    if (!seed) return null;
    const settings = resolveSettings(input.scenario['quality'], deps.defaults);
    const schema = await deps.api.getDatasetSchema(input.datasetId);
    const dir = await createSpoolDir(deps.tmpDir);
    let outcome: AssessmentOutcome | null = null;
    try {
      const seedPath = await spoolSeed(deps.s3, seed, dir, {
        baseDir: deps.tmpDir,
        storageBytes: deps.ephemeralStorageBytes,
        generationId: generation.generation_id,
      });
      const format = seedFormatOf(seed.key);
      const assessment = await prepareAssessment({
        seedPath,
        seedFormat: format,
        seedColumns: await seedColumns(seedPath, format),
        artifactColumns: schema.schema.map((c) => c.name),
        conditions: input.requestedConditions,
        settings,
        ...(deps.sampleRows === undefined ? {} : { sampleRows: deps.sampleRows }),
      });
      const check: ContentCheck = {
        visitor: assessment.visitor,
        finish() {
          outcome = assessment.finish();
          return {
            passed: outcome.verdict.passed,
            headline: headline(outcome),
            reason: describeFailures(outcome.verdict),
            section: {
              headline: headline(outcome),
              reason: describeFailures(outcome.verdict),
              gate: { ...outcome.verdict, thresholds: settings.gate },
              report: outcome.report,
            },
          };
        },
        async record(manifest, manifestKey) {
          if (!outcome) return;
          await deps.s3.send(
            new PutObjectCommand({
              Bucket: deps.bucket,
              Key: metricsKey(manifest.generationId),
              Body: `${JSON.stringify(metricsRow(manifest, manifestKey, outcome))}\n`,
              ContentType: 'application/json',
              ServerSideEncryption: 'aws:kms',
              SSEKMSKeyId: deps.kmsKeyId,
              BucketKeyEnabled: true,
            }),
          );
        },
      };
      return check;
    } finally {
      await removeSpoolDir(dir);
    }
  };
}
