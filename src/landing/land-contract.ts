/**
 * The landing step's contract: what it is given (the scenario, ids, the seed), what it depends on,
 * and what it returns to the state machine (ids, keys and numbers, never a URL).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Conditions, SimulacraApi } from '../client/contract.ts';
import type { LandedColumn } from './columns.ts';
import { headlineOf, type ContentCheckFactory, type QualityHeadline } from './content-check.ts';
import type { LandedFormat } from './layout.ts';
import type { LandingManifest } from './manifest.ts';

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
  /**
   * The function's ephemeral storage (its `/tmp`), bytes: an artifact that cannot fit in what
   * `tmpDir` has left is refused before it is spooled. Default: unbounded.
   */
  readonly ephemeralStorageBytes?: number | undefined;
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
  /**
   * Stops the landing (the invocation gave up at its timeout): the download, part uploads and
   * scan are cut, the multipart upload aborted and the spool removed; nothing becomes visible.
   */
  readonly signal?: AbortSignal | undefined;
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

/** The step's result as recorded in a landed manifest. */
export function resultFromManifest(
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
