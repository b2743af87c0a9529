/**
 * The landing side of a content check (the quality report and publish gate of `src/quality/`):
 * write, audit, publish. With a check, the artifact is uploaded under the quarantine prefix
 * (which no table reads), profiled while it is inspected, and only copied to its data key when
 * the check passes; a failing generation stays in quarantine with its manifest there, and the
 * landing fails with {@link QualityGateError} naming the failed metrics.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Conditions, Generation } from '../client/contract.ts';
import { LandingStorageError } from './errors.ts';
import type { BatchVisitor } from './inspect.ts';
import { combineVisitors } from './batch-visitors.ts';
import type { LandingKeys } from './layout.ts';
import type { LandingManifest } from './manifest.ts';

import { QUARANTINE_PREFIX } from './layout.ts';

export { combineVisitors, QUARANTINE_PREFIX };
/** CopyObject copies at most 5 GiB; larger objects are copied in parts of this size. */
const COPY_PART_BYTES = 1024 * 1024 * 1024;
const SINGLE_COPY_LIMIT = 5 * 1024 * 1024 * 1024;

/** The headline figures every consumer sees (Step Functions result, run summary, events). */
export interface QualityHeadline {
  readonly passed: boolean;
  readonly fidelityScore: number | null;
  readonly exactMatchShare: number | null;
  readonly exactMatchExcess: number | null;
  readonly dcrCloseShare: number | null;
  readonly passThroughColumns: number;
  readonly failedMetrics: readonly string[];
}

export interface ContentVerdict {
  readonly passed: boolean;
  readonly headline: QualityHeadline;
  /** Failed checks as one line (metric, value, threshold). */
  readonly reason: string;
  /** What goes into the manifest's `quality` section. */
  readonly section: { readonly headline: QualityHeadline } & Record<string, unknown>;
}

export interface ContentCheck {
  readonly visitor: BatchVisitor;
  /** After the inspection of the whole artifact. */
  finish(): ContentVerdict;
  /** After the manifest is written (published or quarantined): e.g. the metrics row. */
  record(manifest: LandingManifest, manifestKey: string): Promise<void>;
}

/** Prepares a check for one generation (reads the seed); null: no check for this landing. */
/** What a check needs of the landing's input (a subset of `LandArtifactInput`). */
export interface ContentCheckInput {
  readonly datasetId: string;
  readonly scenario: Readonly<Record<string, unknown>>;
  readonly requestedConditions?: Conditions | null | undefined;
  readonly seed?: {
    readonly bucket: string;
    readonly key: string;
    readonly versionId?: string | null;
  } | null;
}

export type ContentCheckFactory = (
  input: ContentCheckInput,
  generation: Generation,
) => Promise<ContentCheck | null>;

/** The generation failed the publish gate; it was landed in quarantine, nothing was published. */
export class QualityGateError extends Error {
  override readonly name = 'QualityGateError';
  constructor(
    readonly generationId: string,
    readonly failedMetrics: readonly string[],
    readonly reason: string,
    readonly manifestKey: string,
  ) {
    super(
      `generation ${generationId} failed the publish gate (${reason}); it is quarantined, see s3 key ${manifestKey}`,
    );
  }
}

export function quarantineKeys(keys: LandingKeys): { outputKey: string; manifestKey: string } {
  return {
    outputKey: `${QUARANTINE_PREFIX}/${keys.outputKey}`,
    manifestKey: `${QUARANTINE_PREFIX}/${keys.manifestKey}`,
  };
}

/** Headline figures from a manifest's `quality` section (null when it has none). */
export function headlineOf(manifest: Pick<LandingManifest, 'quality'>): QualityHeadline | null {
  return (manifest.quality?.headline as QualityHeadline | undefined) ?? null;
}

/** Copies `from` to `to` (SSE-KMS), then deletes `from`: the publish step of a passing check. */
export async function promoteObject(
  s3: S3Client,
  input: { bucket: string; from: string; to: string; kmsKeyId: string; bytes: number; contentType: string },
): Promise<void> {
  const { bucket, from, to, kmsKeyId } = input;
  const sse = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true };
  try {
    if (input.bytes <= SINGLE_COPY_LIMIT) {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: to,
          CopySource: `${bucket}/${encodeURI(from)}`,
          ...sse,
        }),
      );
    } else {
      const created = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: to, ContentType: input.contentType, ...sse }),
      );
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      for (let start = 0, n = 1; start < input.bytes; start += COPY_PART_BYTES, n++) {
        const end = Math.min(input.bytes, start + COPY_PART_BYTES) - 1;
        const out = await s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: to,
            UploadId: created.UploadId,
            PartNumber: n,
            CopySource: `${bucket}/${encodeURI(from)}`,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ ETag: out.CopyPartResult?.ETag ?? '', PartNumber: n });
      }
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: to,
          UploadId: created.UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    }
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }));
  } catch (err) {
    throw new LandingStorageError(to, `publishing ${from} failed`, { cause: err });
  }
}
