/**
 * Lands one vendor generation in the customer bucket:
 *
 * 1. GET the generation (fresh artifact URL, envelope, row counts); derive the `dt` partition.
 * 2. If the data object and its manifest already exist for this generation, return them (retry).
 * 3. Start an S3 multipart upload (SSE-KMS), then download the artifact; a 403/404 from the
 *    download (URL expired) re-GETs the generation and retries, bounded.
 * 4. Enterprise mode: check the envelope's encryption context, unwrap the data key with KMS, and
 *    decrypt AES-256-GCM while streaming (tag = last 16 bytes).
 * 5. Stream plaintext into the upload (8 MiB parts, up to 3 in flight) and a SHA-256, and either
 *    through the CSV inspection or (Parquet, Arrow) into a spool file in the temp dir.
 * 6. Finish the inspection (or read the spool file back): row count, schema, conformance of the
 *    requested conditions.
 * 7. Complete the upload only if the tag verified and the row count equals `rows_generated`;
 *    otherwise abort it, so unverified bytes never become visible. Then write the manifest.
 *
 * With a content check (`deps.contentCheck`, the quality report and publish gate), the upload goes
 * to the quarantine prefix and is published (copied to its data key) only when the check passes;
 * see `content-check.ts`.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { ArtifactDownload, Conditions, Generation, SimulacraApi } from '../client/contract.ts';
import { ArtifactUrlExpiredError, SimulacraApiError } from '../client/errors.ts';
import { createConformanceAccumulator, type ConformanceAccumulator } from '../conditions/conformance.ts';
import { parseClamps } from '../conditions/numeric-range.ts';
import { withAthenaNames } from './athena-names.ts';
import type { LandedColumn } from './columns.ts';
import {
  combineVisitors,
  headlineOf,
  promoteObject,
  QualityGateError,
  quarantineKeys,
  type ContentCheck,
  type ContentCheckFactory,
  type QualityHeadline,
} from './content-check.ts';
import {
  checkArtifactProtection,
  checkEnvelope,
  ENVELOPE_SCHEME,
  MANAGED_SCHEME,
  unwrapDataKey,
} from './envelope.ts';
import {
  ArtifactVerificationError,
  ArtifactNotReadyError,
  LandingStorageError,
  RowCountMismatchError,
} from './errors.ts';
import { createGcmDecryptStream, GcmAuthenticationError } from './gcm-decrypt.ts';
import { inspectArtifact, type BatchVisitor } from './inspect.ts';
import { createLandingSink } from './landing-sink.ts';
import {
  contentTypeFor,
  isLandedFormat,
  landingKeys,
  partitionDate,
  type LandedFormat,
  type LandingKeys,
} from './layout.ts';
import {
  isS3NotFound,
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type LandingManifest,
} from './manifest.ts';
import { abortStaleUploads, MultipartUpload } from './multipart.ts';
import { workerStreamScan } from './scan-worker.ts';
import { createSpoolDir, removeSpoolDir } from './spool.ts';
import { inlineStreamScan, type StreamScan, type StreamScanSetup } from './stream-scan.ts';

/** Download attempts per landing (the first plus re-fetches after an expired URL). */
export const DEFAULT_DOWNLOAD_ATTEMPTS = 3;
/** Spool file writes are buffered up to this much before the stream waits for the disk. */
const SPOOL_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

/** The scenario as the customer wrote it in `scenarios.json`. */
export interface ScenarioAsWritten {
  readonly name: string;
  readonly row_count: number;
  readonly output_format: string;
  readonly seed?: number | null | undefined;
  readonly conditions?: unknown;
  readonly [extra: string]: unknown;
}

export interface LandArtifactInput {
  readonly runId: string;
  readonly feed: string;
  readonly scenario: ScenarioAsWritten;
  readonly datasetId: string;
  readonly generationId: string;
  /** Conditions as sent to the vendor (cleaned column names). */
  readonly requestedConditions?: Conditions | null | undefined;
  /** Numeric bounds the vendor clamps to the schema range (conformance is judged on the applied range). */
  readonly clamps?: unknown;
  /** Customer -> cleaned column name mappings (stored as given). */
  readonly mappings?: unknown;
  /** Vendor request ids gathered by earlier steps, e.g. `{ createGeneration: "req_..." }`. */
  readonly requestIds?: Readonly<Record<string, string | null>> | undefined;
  /** Tenant the enterprise envelope must name, when known. */
  readonly tenantId?: string | undefined;
  /** The seed object the generation was made from (for the quality report). */
  readonly seed?: {
    readonly bucket: string;
    readonly key: string;
    readonly versionId?: string | null;
  } | null;
}

export interface LandArtifactDeps {
  readonly api: SimulacraApi;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly bucket: string;
  /** Customer-managed key for SSE-KMS on landed objects. */
  readonly outputKmsKeyId: string;
  /** Customer key that wraps enterprise data keys; pins KMS `KeyId` when set. */
  readonly artifactKmsKeyId?: string | undefined;
  /** Absolute tolerance of the conformance check (default: the conditions module's). */
  readonly conformanceTolerance?: number | undefined;
  /** Directory for spool files (default: the OS temp dir, `/tmp` on Lambda). */
  readonly tmpDir?: string | undefined;
  readonly partBytes?: number | undefined;
  /** Part uploads in flight at once (default `DEFAULT_UPLOAD_CONCURRENCY`, 3). */
  readonly uploadConcurrency?: number | undefined;
  /**
   * Where the stream scan (SHA-256, CSV inspection) runs: `worker` (default) a worker thread, on
   * the second vCPU LandArtifact's memory size gives it; `inline` the landing's own thread.
   */
  readonly scanThread?: 'worker' | 'inline' | undefined;
  readonly maxDownloadAttempts?: number | undefined;
  readonly now?: (() => Date) | undefined;
  /** Quality report and publish gate (write, audit, publish); none: land straight to the data key. */
  readonly contentCheck?: ContentCheckFactory | undefined;
}

/** What the landing step returns to the state machine: ids, keys and numbers, never a URL. */
export interface LandArtifactResult {
  readonly outputKey: string;
  readonly manifestKey: string;
  readonly rowsGenerated: number;
  readonly rowsRequested: number;
  readonly partial: boolean;
  readonly format: LandedFormat;
  readonly bytes: number;
  readonly sha256: string;
  readonly dt: string;
  /** Conformance verdict; null when the scenario had no conditions to check. */
  readonly conforms: boolean | null;
  readonly columns: readonly LandedColumn[];
  /** True when an earlier attempt had already landed this generation (nothing was rewritten). */
  readonly alreadyLanded: boolean;
  /** The run that landed the object (the manifest's run id): another run's for a replayed generation. */
  readonly landedByRunId: string;
  /** When the vendor's retention of the artifact ends (`expires_at`), for the landing-age alarm. */
  readonly retentionEndsAt: string | null;
  /** Headline quality figures; null when the landing ran without a content check. */
  readonly quality: QualityHeadline | null;
}

function resultFromManifest(
  manifest: LandingManifest,
  manifestKey: string,
  alreadyLanded: boolean,
): LandArtifactResult {
  return {
    outputKey: manifest.outputKey,
    manifestKey,
    rowsGenerated: manifest.rowsGenerated,
    rowsRequested: manifest.rowsRequested,
    partial: manifest.partial,
    format: manifest.format,
    bytes: manifest.bytes,
    sha256: manifest.sha256,
    dt: manifest.dt,
    conforms: manifest.conformance?.conforms ?? null,
    columns: manifest.columns,
    alreadyLanded,
    landedByRunId: manifest.runId,
    retentionEndsAt: manifest.generationExpiresAt ?? null,
    quality: headlineOf(manifest),
  };
}

function formatOf(generation: Generation): LandedFormat {
  const format = generation.output_format;
  if (!isLandedFormat(format)) {
    throw new ArtifactVerificationError(
      generation.generation_id,
      `output_format "${format}" is not one this pipeline can land (parquet, csv, arrow)`,
    );
  }
  return format;
}

function checkGeneration(generation: Generation, input: LandArtifactInput): void {
  const id = input.generationId;
  if (generation.generation_id !== id) {
    throw new ArtifactVerificationError(
      id,
      `the vendor answered with generation ${generation.generation_id}`,
    );
  }
  if (generation.dataset_id !== input.datasetId) {
    throw new ArtifactVerificationError(
      id,
      `the generation belongs to dataset ${generation.dataset_id}, not ${input.datasetId}`,
    );
  }
  if (generation.rows_generated <= 0) {
    throw new ArtifactVerificationError(id, 'rows_generated is 0: the vendor produced no rows to land');
  }
  if (generation.rows_generated > generation.rows_requested) {
    throw new ArtifactVerificationError(
      id,
      `rows_generated (${generation.rows_generated}) exceeds rows_requested (${generation.rows_requested})`,
    );
  }
}

/** Returns the earlier result when this generation is already fully landed. */
async function findExisting(
  deps: LandArtifactDeps,
  keys: LandingKeys,
  generationId: string,
): Promise<LandArtifactResult | null> {
  const manifest = await readManifest(deps.s3, deps.bucket, keys.manifestKey);
  if (!manifest || manifest.generationId !== generationId || manifest.outputKey !== keys.outputKey)
    return null;
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: keys.outputKey }));
    if (head.ContentLength !== manifest.bytes) return null;
  } catch (err) {
    if (isS3NotFound(err)) return null;
    throw new LandingStorageError(keys.outputKey, 'HeadObject failed', { cause: err });
  }
  return resultFromManifest(manifest, keys.manifestKey, true);
}

/** A retry of a generation the gate already quarantined fails the same way, without a download. */
async function refuseQuarantined(
  deps: LandArtifactDeps,
  keys: LandingKeys,
  generationId: string,
): Promise<void> {
  const key = quarantineKeys(keys).manifestKey;
  const manifest = await readManifest(deps.s3, deps.bucket, key);
  const headline = manifest?.generationId === generationId ? headlineOf(manifest) : null;
  if (!headline || headline.passed) return;
  const reason = (manifest?.quality as { reason?: unknown } | null)?.reason;
  const text = typeof reason === 'string' ? reason : 'see the manifest';
  throw new QualityGateError(generationId, headline.failedMetrics, text, key);
}

/** The client's expired-URL error, or (from other `SimulacraApi` implementations) a 403/404. */
function isExpiredDownload(err: unknown): boolean {
  return (
    err instanceof ArtifactUrlExpiredError ||
    (err instanceof SimulacraApiError && (err.status === 403 || err.status === 404))
  );
}

/**
 * Opens the artifact download, re-fetching the generation (for a fresh URL) after a 403/404.
 * Returns the generation the successful download belongs to.
 */
async function openDownload(
  deps: LandArtifactDeps,
  first: Generation,
  input: LandArtifactInput,
): Promise<{ generation: Generation; download: ArtifactDownload }> {
  const attempts = Math.max(1, deps.maxDownloadAttempts ?? DEFAULT_DOWNLOAD_ATTEMPTS);
  let generation = first;
  for (let attempt = 1; ; attempt += 1) {
    if (!generation.artifact_url) {
      throw new ArtifactNotReadyError(
        input.generationId,
        'artifact_url is null: the artifact is not available yet',
      );
    }
    try {
      return { generation, download: await deps.api.downloadArtifact(generation) };
    } catch (err) {
      if (!isExpiredDownload(err) || attempt >= attempts) throw err;
    }
    generation = await deps.api.getGeneration(input.generationId);
    checkGeneration(generation, input);
  }
}

/** Streams the artifact (decrypting in enterprise mode) into `sink`; zeroes the data key. */
async function streamPlaintext(
  deps: LandArtifactDeps,
  generation: Generation,
  body: Readable,
  sink: NodeJS.WritableStream,
  input: LandArtifactInput,
): Promise<void> {
  const scheme = generation.artifact_encryption?.scheme ?? MANAGED_SCHEME;
  if (scheme === MANAGED_SCHEME) {
    await pipeline(body, sink);
    return;
  }
  if (scheme !== ENVELOPE_SCHEME || !generation.artifact_encryption) {
    body.destroy();
    throw new ArtifactVerificationError(
      input.generationId,
      `unsupported artifact_encryption.scheme "${scheme}"`,
    );
  }
  let envelope;
  try {
    envelope = checkEnvelope(generation.artifact_encryption, {
      generationId: input.generationId,
      tenantId: input.tenantId,
    });
  } catch (err) {
    body.destroy();
    throw err;
  }
  const key = await unwrapDataKey(deps.kms, envelope, {
    generationId: input.generationId,
    keyId: deps.artifactKmsKeyId,
  }).catch((err: unknown) => {
    body.destroy();
    throw err;
  });
  try {
    await pipeline(body, createGcmDecryptStream(key, envelope.iv), sink);
  } catch (err) {
    if (err instanceof GcmAuthenticationError) {
      throw new ArtifactVerificationError(input.generationId, err.message, { cause: err });
    }
    throw err;
  } finally {
    key.fill(0);
  }
}

/** A conformance accumulator for the requested conditions; null when the scenario has none. */
function conformanceFor(deps: LandArtifactDeps, input: LandArtifactInput): ConformanceAccumulator | null {
  const conditions = input.requestedConditions;
  if (!conditions) return null;
  const accumulator = createConformanceAccumulator(conditions, {
    clamps: parseClamps(input.clamps),
    ...(deps.conformanceTolerance === undefined ? {} : { tolerance: deps.conformanceTolerance }),
  });
  return accumulator.columns.length > 0 ? accumulator : null;
}

function conformanceVisitor(
  accumulator: ConformanceAccumulator | null,
  conditions: Conditions | null | undefined,
): BatchVisitor | undefined {
  if (!accumulator) return undefined;
  return {
    columns: accumulator.columns,
    numericColumns: new Set(Object.keys(conditions?.numeric ?? {})),
    visitBatch: (columns, rowCount) => accumulator.addColumnBatch(columns, rowCount),
  };
}

/**
 * Lands one generation. Idempotent: a retry after success returns the existing result without
 * writing again. Throws {@link ArtifactVerificationError} (incl. {@link RowCountMismatchError}),
 * `ArtifactNotReadyError`, `ArtifactFormatError`, `LandingStorageError`, `LayoutInputError`, or the
 * client's errors for vendor failures; in every failure case the multipart upload is aborted.
 */
export async function landArtifact(
  deps: LandArtifactDeps,
  input: LandArtifactInput,
): Promise<LandArtifactResult> {
  let generation = await deps.api.getGeneration(input.generationId);
  checkGeneration(generation, input);
  const format = formatOf(generation);
  const dt = partitionDate(generation.created_at);
  const keys = landingKeys({
    feed: input.feed,
    scenario: input.scenario.name,
    dt,
    generationId: input.generationId,
    format,
  });

  const existing = await findExisting(deps, keys, input.generationId);
  if (existing) return existing;
  if (deps.contentCheck) await refuseQuarantined(deps, keys, input.generationId);

  // Enterprise: refuse plaintext or a foreign envelope before any download or KMS call.
  checkArtifactProtection(generation.artifact_encryption, {
    enterprise: Boolean(deps.artifactKmsKeyId),
    generationId: input.generationId,
    tenantId: input.tenantId,
  });

  const check: ContentCheck | null = (await deps.contentCheck?.(input, generation)) ?? null;
  const uploadKey = check ? quarantineKeys(keys).outputKey : keys.outputKey;
  await abortStaleUploads(deps.s3, deps.bucket, uploadKey, deps.now?.()).catch((err: unknown) => {
    throw new LandingStorageError(uploadKey, 'listing stale multipart uploads failed', { cause: err });
  });

  // CSV is inspected while it streams (by the stream scan, with the SHA-256); Parquet and Arrow
  // keep their metadata at the end, so they are spooled to local disk and read back after.
  const setup: StreamScanSetup = {
    format,
    generationId: input.generationId,
    conditions: input.requestedConditions,
    clamps: input.clamps,
    tolerance: deps.conformanceTolerance,
  };
  // A content check profiles rows against the seed it read on this thread, so it cannot be handed
  // to the worker: with a check the scan (and the check's visitor) runs inline.
  const scan: StreamScan =
    check || deps.scanThread === 'inline' ? inlineStreamScan(setup, check?.visitor) : workerStreamScan(setup);
  const spoolPath = format === 'csv' ? null : `${randomUUID()}.${format}`;
  let spoolDir: string | null = null;
  let upload: MultipartUpload | null = null;
  let completed = false;
  try {
    upload = await MultipartUpload.create(deps.s3, {
      bucket: deps.bucket,
      key: uploadKey,
      kmsKeyId: deps.outputKmsKeyId,
      contentType: contentTypeFor(format),
      metadata: { 'generation-id': input.generationId, 'dataset-id': input.datasetId, 'run-id': input.runId },
    });

    const opened = await openDownload(deps, generation, input);
    generation = opened.generation;

    if (spoolPath) spoolDir = await createSpoolDir(deps.tmpDir ?? tmpdir());
    const spoolFile = spoolDir && spoolPath ? join(spoolDir, spoolPath) : null;
    const sink = createLandingSink({
      upload,
      scan,
      spool: spoolFile ? createWriteStream(spoolFile, { highWaterMark: SPOOL_WRITE_BUFFER_BYTES }) : null,
      partBytes: deps.partBytes,
      concurrency: deps.uploadConcurrency,
    });
    await streamPlaintext(deps, generation, opened.download.body, sink.writable, input);
    const stats = sink.stats();

    const counts = { rowsRequested: generation.rows_requested, rowsGenerated: generation.rows_generated };
    const scanned = await scan.finish(counts);
    let inspected = scanned.inspected;
    let conformance = scanned.conformance;
    if (!inspected) {
      const accumulator = conformanceFor(deps, input);
      inspected = await inspectArtifact({
        path: spoolFile ?? '',
        format,
        generationId: input.generationId,
        visitor: combineVisitors(conformanceVisitor(accumulator, input.requestedConditions), check?.visitor),
      });
      conformance = accumulator?.report(counts) ?? null;
    }
    if (inspected.rows !== generation.rows_generated) {
      throw new RowCountMismatchError(input.generationId, generation.rows_generated, inspected.rows);
    }
    const verdict = check?.finish() ?? null;

    await upload.complete();
    completed = true;
    const quarantined = verdict !== null && !verdict.passed;
    const published = quarantined ? quarantineKeys(keys) : keys;
    if (verdict?.passed) {
      await promoteObject(deps.s3, {
        bucket: deps.bucket,
        from: uploadKey,
        to: keys.outputKey,
        kmsKeyId: deps.outputKmsKeyId,
        bytes: stats.bytes,
        contentType: contentTypeFor(format),
      });
    }

    const manifest: LandingManifest = {
      manifestVersion: MANIFEST_VERSION,
      runId: input.runId,
      feed: input.feed,
      scenarioName: input.scenario.name,
      dt,
      datasetId: input.datasetId,
      generationId: input.generationId,
      requestIds: { ...input.requestIds, getGeneration: generation.request_id },
      bucket: deps.bucket,
      outputKey: published.outputKey,
      format,
      contentType: contentTypeFor(format),
      rowsRequested: generation.rows_requested,
      rowsGenerated: generation.rows_generated,
      partial: generation.status === 'partial' || generation.rows_generated < generation.rows_requested,
      bytes: stats.bytes,
      sha256: scanned.sha256,
      columns: withAthenaNames(inspected.columns),
      artifactEncryption: generation.artifact_encryption?.scheme ?? MANAGED_SCHEME,
      scenario: { ...input.scenario },
      requestedConditions: input.requestedConditions ?? null,
      clamps: input.clamps ?? null,
      mappings: input.mappings ?? null,
      conformance: conformance ? { ...conformance } : null,
      quality: verdict ? { ...verdict.section, headline: { ...verdict.section.headline } } : null,
      generationCreatedAt: generation.created_at,
      generationExpiresAt: generation.expires_at,
      landedAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    await writeManifest(deps.s3, {
      bucket: deps.bucket,
      key: published.manifestKey,
      kmsKeyId: deps.outputKmsKeyId,
      manifest,
    });
    await check?.record(manifest, published.manifestKey);
    if (quarantined) {
      throw new QualityGateError(
        input.generationId,
        verdict.headline.failedMetrics,
        verdict.reason,
        published.manifestKey,
      );
    }
    return resultFromManifest(manifest, keys.manifestKey, false);
  } finally {
    scan.destroy();
    if (upload && !completed) await upload.abort();
    if (spoolDir) await removeSpoolDir(spoolDir);
  }
}
