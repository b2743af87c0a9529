/**
 * LandArtifact task: lands one generation of one scenario (a Map iteration) in the customer
 * bucket and returns keys and numbers for the catalog and record steps — never the artifact URL —
 * or `{ vendorWait }` when its vendor requests have to wait their turn in the shared pacing (the
 * state machine waits, then runs it again on the slots it reserved). The work is in
 * `src/landing/land.ts`; this file validates input and config, wires clients, emits metrics and
 * maps errors to the names the state machine matches on.
 */
import * as z from '../src/contracts/zod.ts';
import {
  ArtifactFormatError,
  ArtifactNotReadyError,
  ArtifactVerificationError,
  EphemeralStorageError,
  LandingStorageError,
  RowCountMismatchError,
} from '../src/landing/errors.ts';
import { QualityGateError as GateFailed } from '../src/landing/content-check.ts';
import { landArtifact, type LandArtifactInput, type LandArtifactResult } from '../src/landing/land.ts';
import { landedState, landingVendorRequests, type LandedState } from '../src/landing/landed-state.ts';
import {
  carriedVendorWaitSchema,
  inPacingTurn,
  nextVendorWait,
  type VendorWaitOutcome,
} from '../src/pipeline/vendor-wait.ts';
import { DEFAULT_SETTINGS, gateFromJson } from '../src/quality/config.ts';
import { qualityCheck } from '../src/quality/landing-check.ts';
import { SeedReadError } from '../src/quality/seed-source.ts';
import { LayoutInputError } from '../src/landing/layout.ts';
import { ManifestFormatError } from '../src/landing/manifest.ts';
import { kms } from './commons/clients/kms.ts';
import { s3 } from './commons/clients/s3.ts';
import { requiredString } from './commons/config.ts';
import { containerTmpDir } from './commons/container.ts';
import {
  ArtifactIntegrityError,
  AwsRetryableError,
  QualityGateError,
  fromAwsCause,
  failure,
  InputValidationError,
  NotReadyError,
  toStateError,
  type FailureIds,
  type StateError,
} from '../src/contracts/state-errors.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { vendorClient } from './commons/vendor.ts';

const configShape = {
  OUTPUT_BUCKET_NAME: requiredString(),
  OUTPUT_KMS_KEY_ARN: requiredString(),
  /** Empty in managed mode. */
  ARTIFACT_KMS_KEY_ARN: z.optional(z.string()),
  /** Enterprise: the Simulacra tenant every envelope must name (empty: only the generation is checked). */
  ARTIFACT_TENANT_ID: z.optional(z.string()),
  /** Publish-gate defaults as JSON (`src/quality/config.ts`), or `off` for no quality report. */
  QUALITY_GATE: z.optional(z.string()),
  /**
   * The function's ephemeral storage (`/tmp`) in MB, set by the construct from the same value
   * (whole MB, 512..10240; local runs may scale it down). Unset: Lambda's default, 512.
   */
  EPHEMERAL_STORAGE_MB: z.optional(z.coerce.number().check(z.positive())),
  /**
   * Where the stream scan (SHA-256, CSV row count, schema, conformance) runs: `worker` (default) a
   * worker thread on the second vCPU of LandArtifact's memory size, `inline` the landing's thread
   * (a memory size with one vCPU; the landing benchmark measures both from the built bundle).
   */
  LANDING_SCAN_THREAD: z.optional(z.enum(['worker', 'inline'])),
};

const conditionsSchema = z.object({
  categorical: z.optional(z.record(z.string(), z.record(z.string(), z.number()))),
  numeric: z.optional(z.record(z.string(), z.object({ min: z.number(), max: z.number() }))),
});

/** The Map iteration's input (extra fields are ignored). */
export const landArtifactEventSchema = z.object({
  runId: z.string().check(z.minLength(1)),
  feed: z.string().check(z.minLength(1)),
  scenario: z.looseObject({
    name: z.string().check(z.minLength(1)),
    row_count: z.number().check(z.int(), z.positive()),
    output_format: z.string().check(z.minLength(1)),
    seed: z.nullish(z.number().check(z.int())),
    conditions: z.optional(z.unknown()),
  }),
  datasetId: z.string().check(z.minLength(1)),
  generationId: z.string().check(z.minLength(1)),
  requestedConditions: z.nullish(conditionsSchema),
  clamps: z.optional(z.unknown()),
  mappings: z.optional(z.unknown()),
  requestIds: z.optional(z.record(z.string(), z.nullable(z.string()))),
  tenantId: z.optional(z.string().check(z.minLength(1))),
  seed: z.nullish(
    z.looseObject({
      bucket: z.string().check(z.minLength(1)),
      key: z.string().check(z.minLength(1)),
      versionId: z.nullish(z.string()),
    }),
  ),
  /** The step's last wait (null before any), carried back through the state machine's Wait. */
  vendorWait: z.optional(carriedVendorWaitSchema),
  /** `$$.State.RetryCount`: a retried attempt does not reuse the slots its wait reserved. */
  retryCount: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export type LandArtifactEvent = z.input<typeof landArtifactEventSchema>;

/** Maps landing errors to the state errors the ASL Retry/Catch rules match on. */
export function toLandingStateError(err: unknown, ids: FailureIds): StateError {
  if (err instanceof GateFailed) {
    return new QualityGateError(failure('quality_gate_failed', err.message, ids), { cause: err });
  }
  if (err instanceof SeedReadError) {
    return fromAwsCause(err, failure('quality_seed_unreadable', err.message, ids));
  }
  if (err instanceof EphemeralStorageError) {
    // Leftovers in /tmp (an abandoned attempt's spool) are nobody's bad input: retried, by when
    // they are gone. Only an artifact bigger than the whole storage is refused for good.
    return err.fitsWhenEmpty
      ? new AwsRetryableError(failure('ephemeral_storage_busy', err.message, ids), { cause: err })
      : new InputValidationError(failure('ephemeral_storage_exceeded', err.message, ids), { cause: err });
  }
  if (err instanceof RowCountMismatchError) {
    return new ArtifactIntegrityError(failure('row_count_mismatch', err.message, ids), { cause: err });
  }
  if (err instanceof ArtifactVerificationError) {
    return new ArtifactIntegrityError(failure('artifact_integrity', err.message, ids), { cause: err });
  }
  if (err instanceof ArtifactFormatError) {
    return new ArtifactIntegrityError(failure('artifact_format_invalid', err.message, ids), { cause: err });
  }
  if (err instanceof ArtifactNotReadyError) {
    return new NotReadyError(failure('artifact_not_ready', err.message, ids), { cause: err });
  }
  if (err instanceof LandingStorageError) {
    // Transient S3 failures (throttling, 5xx, resets) retry; access or configuration errors do not.
    return fromAwsCause(err, failure('landing_storage_error', err.message, ids));
  }
  if (err instanceof LayoutInputError) {
    return new InputValidationError(failure('invalid_input', err.message, ids), { cause: err });
  }
  if (err instanceof ManifestFormatError) {
    return new InputValidationError(failure('manifest_invalid', err.message, ids), { cause: err });
  }
  return toStateError(err, ids);
}

function emitMetrics(input: LandArtifactInput, result: LandArtifactResult): void {
  const retentionEnds = result.retentionEndsAt ? Date.parse(result.retentionEndsAt) : Number.NaN;
  if (!result.alreadyLanded && Number.isFinite(retentionEnds)) {
    // Feed-less (alarmable): how much of the vendor's retention was left when this landed.
    const single = metrics.singleMetric();
    const remaining = Math.max(0, Math.round((retentionEnds - Date.now()) / 1000));
    single.addMetric('ArtifactRetentionRemaining', MetricUnit.Seconds, remaining);
  }
  metrics.addDimension('feed', input.feed);
  metrics.addMetric('RowsGenerated', MetricUnit.Count, result.rowsGenerated);
  metrics.addMetric('RowsRequested', MetricUnit.Count, result.rowsRequested);
  metrics.addMetric('PartialGenerations', MetricUnit.Count, result.partial ? 1 : 0);
  metrics.addMetric('LandedBytes', MetricUnit.Bytes, result.bytes);
  if (result.conforms !== null) {
    metrics.addMetric('ConformingScenarios', MetricUnit.Count, result.conforms ? 1 : 0);
    metrics.addMetric('NonConformingScenarios', MetricUnit.Count, result.conforms ? 0 : 1);
  }
}

/** Lambda entry point. */
export const handler = defineHandler({
  name: 'Landing',
  input: landArtifactEventSchema,
  config: configShape,
  logKeys: (input) => ({
    runId: input.runId,
    feed: input.feed,
    scenario: input.scenario.name,
    generationId: input.generationId,
  }),
  failureIds: (event) => ({
    generation_id: stringField(event, 'generationId'),
    dataset_id: stringField(event, 'datasetId'),
  }),
  mapError: toLandingStateError,
  run: async (
    input,
    config,
    { signal, startedAt },
  ): Promise<LandedState | LandArtifactResult | VendorWaitOutcome> => {
    const api = await vendorClient();
    const ephemeralStorageBytes = (config.EPHEMERAL_STORAGE_MB ?? 512) * 2 ** 20;
    const quality =
      config.QUALITY_GATE === 'off'
        ? undefined
        : qualityCheck({
            s3: s3(),
            api,
            bucket: config.OUTPUT_BUCKET_NAME,
            kmsKeyId: config.OUTPUT_KMS_KEY_ARN,
            defaults: { ...DEFAULT_SETTINGS, gate: gateFromJson(config.QUALITY_GATE) },
            tmpDir: containerTmpDir(),
            ephemeralStorageBytes,
          });
    const land = () =>
      landArtifact(
        {
          api,
          s3: s3(),
          kms: kms(),
          bucket: config.OUTPUT_BUCKET_NAME,
          outputKmsKeyId: config.OUTPUT_KMS_KEY_ARN,
          artifactKmsKeyId: config.ARTIFACT_KMS_KEY_ARN,
          tmpDir: containerTmpDir(),
          ephemeralStorageBytes,
          contentCheck: quality,
          signal,
          ...(config.LANDING_SCAN_THREAD ? { scanThread: config.LANDING_SCAN_THREAD } : {}),
        },
        { ...input, tenantId: input.tenantId ?? (config.ARTIFACT_TENANT_ID || undefined) },
      );
    let result: LandArtifactResult;
    try {
      result = await inPacingTurn(input.vendorWait, land, {
        startedAt,
        retryCount: input.retryCount,
        requests: landingVendorRequests(quality !== undefined),
      });
    } catch (err) {
      // No carried wait: an execution started on a definition without the wait loop (and its
      // ResultSelector), whose Retry takes the error as before.
      const vendorWait = input.vendorWait === undefined ? null : nextVendorWait(err, input.vendorWait);
      if (!vendorWait) throw err;
      logger.info('Landing waits its turn', { ...vendorWait });
      return { vendorWait };
    }
    emitMetrics(input, result);
    logger.info('artifact landed', {
      outputKey: result.outputKey,
      manifestKey: result.manifestKey,
      rowsGenerated: result.rowsGenerated,
      rowsRequested: result.rowsRequested,
      partial: result.partial,
      bytes: result.bytes,
      conforms: result.conforms,
      alreadyLanded: result.alreadyLanded,
      quality: result.quality,
    });
    // The earlier definition's ResultSelector picks the same fields from the whole result.
    return input.vendorWait === undefined ? result : landedState(result);
  },
});
