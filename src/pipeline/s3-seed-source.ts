/**
 * A seed in S3 as a vendor `SeedSource`: each upload attempt opens a fresh GetObject stream of
 * the exact object version (pinned by VersionId, or by ETag with If-Match when unversioned).
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SeedSource } from '../client/contract.ts';
import { SEED_FORMATS, seedFormatOf, type SeedObject } from './seed-object.ts';

/** The seed object changed or disappeared between the event and the upload. */
export class SeedUnavailableError extends Error {
  override readonly name = 'SeedUnavailableError';
  readonly code: 'seed_missing' | 'seed_changed';
  constructor(code: 'seed_missing' | 'seed_changed', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Builds the `SeedSource` for `seed`; throws if its file type is not a supported seed. */
export function s3SeedSource(s3: S3Client, seed: SeedObject): SeedSource {
  const fileName = seed.key.slice(seed.key.lastIndexOf('/') + 1);
  const format = seedFormatOf(fileName);
  if (!format)
    throw new SeedUnavailableError('seed_changed', `"${seed.key}" is not a .csv or .parquet seed.`);
  return {
    filename: fileName,
    contentType: SEED_FORMATS[format].contentType,
    size: seed.size,
    open: async () => {
      try {
        const out = await s3.send(
          new GetObjectCommand({
            Bucket: seed.bucket,
            Key: seed.key,
            ...(seed.versionId ? { VersionId: seed.versionId } : seed.etag ? { IfMatch: seed.etag } : {}),
          }),
        );
        if (!(out.Body instanceof Readable)) {
          throw new SeedUnavailableError(
            'seed_missing',
            `S3 returned no readable body for s3://${seed.bucket}/${seed.key}.`,
          );
        }
        return out.Body;
      } catch (err) {
        throw asSeedUnavailable(err, seed) ?? err;
      }
    },
  };
}

/**
 * S3's answers meaning "this version of the seed is gone": a deleted key or version is 404
 * (`NoSuchKey`, `NoSuchVersion`; HEAD has no body, so `NotFound`), and a version id S3 could not
 * have issued is 400 {@link isInvalidVersionId}.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
const GONE_ERRORS = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion', 'NoSuchBucket']);

function httpStatus(err: Error): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * S3 refusing the version id itself: GetObject and CopyObject answer 400 `InvalidArgument` "Invalid
 * version id specified" (`ArgumentName` `versionId`); HeadObject's 400 has no body, so no code
 * (the SDK names it `BadRequest` or `Unknown`). Any other 400 (a KMS or SSE-C problem, an
 * `InvalidArgument` about another header) is its own error, not a missing seed.
 */
function isInvalidVersionId(err: Error): boolean {
  if (httpStatus(err) !== 400 && httpStatus(err) !== undefined) return false;
  if (err.name === 'InvalidArgument') {
    const argument = (err as { ArgumentName?: unknown }).ArgumentName;
    return argument === undefined || argument === 'versionId';
  }
  const bare = !('Code' in err);
  return httpStatus(err) === 400 && bare && (err.name === 'BadRequest' || err.name === 'Unknown');
}

/** True when `err` is S3 saying the object version does not exist (deleted, or never issued). */
export function isMissingObjectVersion(err: unknown, versionId: string | null | undefined): boolean {
  if (!(err instanceof Error)) return false;
  if (GONE_ERRORS.has(err.name) || httpStatus(err) === 404) return true;
  return Boolean(versionId) && isInvalidVersionId(err);
}

/** `s3://bucket/key`, with ` version <id>` when pinned: what a user looks for in the console. */
export function describeSeedVersion(
  seed: Pick<SeedObject, 'bucket' | 'key'> & { readonly versionId?: string | null },
): string {
  return `s3://${seed.bucket}/${seed.key}${seed.versionId ? ` version ${seed.versionId}` : ''}`;
}

/** Maps S3 "gone" / "changed" errors (anywhere in a cause chain) to {@link SeedUnavailableError}. */
export function asSeedUnavailable(
  err: unknown,
  seed: Pick<SeedObject, 'bucket' | 'key'> & { readonly versionId?: string | null },
): SeedUnavailableError | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof SeedUnavailableError) return e;
    if (isMissingObjectVersion(e, seed.versionId)) {
      return new SeedUnavailableError(
        'seed_missing',
        `Seed ${describeSeedVersion(seed)} no longer exists (S3 answered ${e.name}: the object or ` +
          'this version of it was deleted after the drop); nothing was uploaded. Drop the file again ' +
          'to process it.',
        { cause: e },
      );
    }
    if (e.name === 'PreconditionFailed') {
      return new SeedUnavailableError(
        'seed_changed',
        `Seed s3://${seed.bucket}/${seed.key} was overwritten since it was dropped; the newer drop is processed on its own.`,
        { cause: e },
      );
    }
  }
  return null;
}
