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
 *
 * `deps.signal` stops it (the invocation gave up at its timeout, and its Retry may run in the same
 * sandbox): the download and part uploads are cut, every later step is skipped, the multipart
 * upload is aborted and the spool removed before the landing rejects.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Conditions } from '../client/contract.ts';
import { createConformanceAccumulator, type ConformanceAccumulator } from '../conditions/conformance.ts';
import { parseClamps } from '../conditions/numeric-range.ts';
import { withAthenaNames } from './athena-names.ts';
import {
  combineVisitors,
  headlineOf,
  promoteObject,
  QualityGateError,
  quarantineKeys,
  type ContentCheck,
} from './content-check.ts';
import { checkArtifactProtection, MANAGED_SCHEME } from './envelope.ts';
import { LandingStorageError, RowCountMismatchError } from './errors.ts';
import { inspectArtifact, type BatchVisitor } from './inspect.ts';
import { createLandingSink } from './landing-sink.ts';
import { contentTypeFor, landingKeys, partitionDate, type LandingKeys } from './layout.ts';
import {
  isS3NotFound,
  MANIFEST_VERSION,
  readManifest,
  writeManifest,
  type LandingManifest,
} from './manifest.ts';
import { abortStaleUploads, MultipartUpload } from './multipart.ts';
import { checkGeneration, formatOf, openDownload, streamPlaintext } from './artifact-download.ts';
import {
  resultFromManifest,
  type LandArtifactDeps,
  type LandArtifactInput,
  type LandArtifactResult,
} from './land-contract.ts';
import { openArtifactSpool, removeSpoolDir, type ArtifactSpool } from './spool.ts';
import { inlineStreamScan, type StreamScan, type StreamScanSetup } from './stream-scan.ts';

export { DEFAULT_DOWNLOAD_ATTEMPTS } from './artifact-download.ts';
export type {
  LandArtifactDeps,
  LandArtifactInput,
  LandArtifactResult,
  ScenarioAsWritten,
} from './land-contract.ts';

/** Spool file writes are buffered up to this much before the stream waits for the disk. */
const SPOOL_WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

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
 * writing again. Throws `ArtifactVerificationError` (incl. {@link RowCountMismatchError}),
 * `ArtifactNotReadyError`, `ArtifactFormatError`, `LandingStorageError`, `LayoutInputError`, or the
 * client's errors for vendor failures; in every failure case the multipart upload is aborted.
 */
export async function landArtifact(
  deps: LandArtifactDeps,
  input: LandArtifactInput,
): Promise<LandArtifactResult> {
  // A stopped landing (the invocation timed out) ends at the next step with the signal's reason.
  const checkpoint = (): void => deps.signal?.throwIfAborted();
  checkpoint();
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

  checkpoint();
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
  // to the worker: with a check the scan (and the check's visitor) runs inline. The worker's module
  // is imported when used: in the function's bundle it is then a chunk of its own, which is all the
  // worker thread loads (not the handler's whole bundle: the SDK, Powertools, the vendor client).
  const scan: StreamScan =
    check || deps.scanThread === 'inline'
      ? inlineStreamScan(setup, check?.visitor)
      : (await import('./scan-worker.ts')).workerStreamScan(setup);
  let spool: ArtifactSpool | null = null;
  let upload: MultipartUpload | null = null;
  let completed = false;
  try {
    checkpoint();
    upload = await MultipartUpload.create(
      deps.s3,
      {
        bucket: deps.bucket,
        key: uploadKey,
        kmsKeyId: deps.outputKmsKeyId,
        contentType: contentTypeFor(format),
        metadata: {
          'generation-id': input.generationId,
          'dataset-id': input.datasetId,
          'run-id': input.runId,
        },
      },
      deps.signal,
    );

    checkpoint();
    const opened = await openDownload(deps, generation, input);
    generation = opened.generation;

    if (format !== 'csv') {
      spool = await openArtifactSpool({
        baseDir: deps.tmpDir ?? tmpdir(),
        fileName: `${randomUUID()}.${format}`,
        generationId: input.generationId,
        contentLength: opened.download.contentLength,
        storageBytes: deps.ephemeralStorageBytes,
        highWaterMark: SPOOL_WRITE_BUFFER_BYTES,
      }).catch((err: unknown) => {
        opened.download.body.destroy();
        throw err;
      });
    }
    const sink = createLandingSink({
      upload,
      scan,
      spool: spool?.stream ?? null,
      partBytes: deps.partBytes,
      concurrency: deps.uploadConcurrency,
    });
    await streamPlaintext(deps, generation, opened.download.body, sink.writable, input);
    const stats = sink.stats();
    checkpoint();

    const counts = { rowsRequested: generation.rows_requested, rowsGenerated: generation.rows_generated };
    const scanned = await scan.finish(counts);
    let inspected = scanned.inspected;
    let conformance = scanned.conformance;
    if (!inspected) {
      const accumulator = conformanceFor(deps, input);
      inspected = await inspectArtifact({
        path: spool?.file ?? '',
        format,
        generationId: input.generationId,
        visitor: combineVisitors(conformanceVisitor(accumulator, input.requestedConditions), check?.visitor),
      });
      conformance = accumulator?.report(counts) ?? null;
    }
    checkpoint();
    if (inspected.rows !== generation.rows_generated) {
      throw new RowCountMismatchError(input.generationId, generation.rows_generated, inspected.rows);
    }
    const verdict = check?.finish() ?? null;

    await upload.complete();
    completed = true;
    const quarantined = verdict !== null && !verdict.passed;
    const published = quarantined ? quarantineKeys(keys) : keys;
    if (verdict?.passed) {
      checkpoint();
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
    checkpoint();
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
    if (spool) await removeSpoolDir(spool.dir);
  }
}
