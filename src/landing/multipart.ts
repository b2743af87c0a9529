/**
 * An S3 multipart upload whose completion the caller controls: parts are uploaded while the
 * artifact streams, but nothing becomes visible until {@link MultipartUpload.complete} runs, and
 * {@link MultipartUpload.abort} discards every uploaded part. Landed objects are encrypted with
 * SSE-KMS under the customer's key, with an S3 Bucket Key.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { LandingStorageError } from './errors.ts';

/** Default part size: 8 MiB (S3 needs at least 5 MiB for every part but the last). */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

/**
 * A part's integrity is checked by S3 against its CRC32 (`x-amz-checksum-crc32`, computed natively
 * by the SDK); its bytes are not also hashed with SHA-256 for the SigV4 signature, which costs the
 * landing's thread about as much again per byte. The headers (checksum included) stay signed.
 */
export function unsignedPayloadPart(command: UploadPartCommand): UploadPartCommand {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'landingUnsignedPayload' },
  );
  return command;
}

export interface MultipartTarget {
  readonly bucket: string;
  readonly key: string;
  readonly kmsKeyId: string;
  readonly contentType: string;
  /** User metadata stored with the object (ids only, never URLs or rows). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Abort the SDK calls of one landing with `signal` (the abort of the upload itself never is). */
function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

export class MultipartUpload {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  private readonly s3: S3Client;
  private readonly parts: CompletedPart[] = [];
  private readonly signal: AbortSignal | undefined;

  private constructor(
    s3: S3Client,
    bucket: string,
    key: string,
    uploadId: string,
    signal: AbortSignal | undefined,
  ) {
    this.s3 = s3;
    this.bucket = bucket;
    this.key = key;
    this.uploadId = uploadId;
    this.signal = signal;
  }

  /**
   * Starts a multipart upload under SSE-KMS. `signal` aborts its create, part and complete calls
   * (not {@link MultipartUpload.abort}, which runs after it).
   */
  static async create(s3: S3Client, target: MultipartTarget, signal?: AbortSignal): Promise<MultipartUpload> {
    let uploadId: string | undefined;
    try {
      const out = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          ContentType: target.contentType,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: target.kmsKeyId,
          BucketKeyEnabled: true,
          ...(target.metadata ? { Metadata: { ...target.metadata } } : {}),
        }),
        sendOptions(signal),
      );
      uploadId = out.UploadId;
    } catch (err) {
      throw new LandingStorageError(target.key, 'CreateMultipartUpload failed', { cause: err });
    }
    if (!uploadId) throw new LandingStorageError(target.key, 'CreateMultipartUpload returned no UploadId');
    return new MultipartUpload(s3, target.bucket, target.key, uploadId, signal);
  }

  /** Number of parts uploaded so far. */
  get partCount(): number {
    return this.parts.length;
  }

  /** Uploads the next part; parts are numbered in call order. */
  async uploadPart(body: Buffer): Promise<void> {
    const partNumber = this.parts.length + 1;
    // Reserve the slot before awaiting so concurrent callers cannot reuse a number.
    const slot: CompletedPart = { PartNumber: partNumber };
    this.parts.push(slot);
    try {
      const out = await this.s3.send(
        unsignedPayloadPart(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: this.key,
            UploadId: this.uploadId,
            PartNumber: partNumber,
            Body: body,
            ContentLength: body.byteLength,
            ChecksumAlgorithm: 'CRC32',
          }),
        ),
        sendOptions(this.signal),
      );
      slot.ETag = out.ETag;
    } catch (err) {
      throw new LandingStorageError(this.key, `UploadPart ${partNumber} failed`, { cause: err });
    }
  }

  /** Makes the object visible. Call only after the content has been verified. */
  async complete(): Promise<{ etag: string | null; versionId: string | null }> {
    this.signal?.throwIfAborted();
    try {
      const out = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts.map((p) => ({ PartNumber: p.PartNumber, ETag: p.ETag })) },
        }),
        sendOptions(this.signal),
      );
      return { etag: out.ETag ?? null, versionId: out.VersionId ?? null };
    } catch (err) {
      throw new LandingStorageError(this.key, 'CompleteMultipartUpload failed', { cause: err });
    }
  }

  /** Discards every uploaded part. Never throws: a failed abort is left to the bucket lifecycle rule. */
  async abort(): Promise<boolean> {
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }),
      );
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * An upload started longer ago than this cannot belong to a landing that is still running
 * (Lambda's 15-minute maximum, plus margin), so it is safe to abort.
 */
export const STALE_UPLOAD_AGE_MS = 20 * 60 * 1000;

/**
 * Aborts multipart uploads for `key` left behind by an attempt that died mid-stream. Younger
 * uploads are left alone: they may belong to a concurrent landing of the same generation (two
 * executions of one scheduled slot), and aborting it would fail that landing. A crashed attempt's
 * young upload stays invisible and is removed by the bucket's incomplete-upload lifecycle rule.
 * Returns how many were aborted.
 */
export async function abortStaleUploads(
  s3: S3Client,
  bucket: string,
  key: string,
  now: Date = new Date(),
): Promise<number> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  let aborted = 0;
  for (const upload of out.Uploads ?? []) {
    if (upload.Key !== key || !upload.UploadId) continue;
    const age = upload.Initiated ? now.getTime() - upload.Initiated.getTime() : Number.POSITIVE_INFINITY;
    if (age < STALE_UPLOAD_AGE_MS) continue;
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }));
      aborted += 1;
    } catch (err) {
      // Completed or aborted by someone else since the listing: nothing left to clean.
      if ((err as { name?: string }).name !== 'NoSuchUpload') throw err;
    }
  }
  return aborted;
}
