/**
 * The landing manifest: one JSON document per landed generation, written next to the data (under
 * `_manifests/`) only after the data object is complete. It is the record of what was landed and
 * the input of the catalog step.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from '../contracts/zod.ts';
import { LandingStorageError } from './errors.ts';
import { LANDED_FORMATS } from './layout.ts';

export const MANIFEST_VERSION = 1;

const columnSchema = z.object({
  name: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  hasNulls: z.optional(z.boolean()),
  athenaName: z.optional(z.string().check(z.regex(/^[a-z0-9_]{1,255}$/))),
});

/** Conformance section: the report of `src/conditions/conformance-report.ts`, plus its verdict. */
const conformanceSchema = z.catchall(z.object({ conforms: z.nullable(z.boolean()) }), z.unknown());

export const landingManifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  runId: z.string(),
  feed: z.string(),
  scenarioName: z.string(),
  dt: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/)),
  datasetId: z.string(),
  generationId: z.string(),
  /** Vendor request ids: those passed in by earlier steps plus the landing's getGeneration. */
  requestIds: z.record(z.string(), z.nullable(z.string())),
  bucket: z.string(),
  outputKey: z.string(),
  format: z.enum(LANDED_FORMATS),
  contentType: z.string(),
  rowsRequested: z.number().check(z.int(), z.nonnegative()),
  rowsGenerated: z.number().check(z.int(), z.nonnegative()),
  partial: z.boolean(),
  /** Bytes of the landed (plaintext) object. */
  bytes: z.number().check(z.int(), z.nonnegative()),
  /** SHA-256 (hex) of the landed plaintext bytes. */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  /**
   * Schema of the landed file, read from the file itself: each column's vendor name (`name`, as
   * in the file) and its Athena name (`athenaName`, the Glue column).
   */
  columns: z.array(columnSchema),
  /** How the vendor delivered the artifact (`managed` or `envelope-aes-256-gcm`). */
  artifactEncryption: z.string(),
  /** The scenario as the customer wrote it. */
  scenario: z.record(z.string(), z.unknown()),
  /** Conditions as sent to the vendor (cleaned column names). */
  requestedConditions: z.unknown(),
  clamps: z.unknown(),
  mappings: z.unknown(),
  conformance: z.nullable(conformanceSchema),
  /** Quality report and publish-gate verdict (`src/quality/`); absent or null without a check. */
  quality: z.optional(
    z.nullable(
      z.catchall(
        z.object({ headline: z.catchall(z.object({ passed: z.boolean() }), z.unknown()) }),
        z.unknown(),
      ),
    ),
  ),
  generationCreatedAt: z.string(),
  generationExpiresAt: z.string(),
  landedAt: z.string(),
});

export type LandingManifest = z.infer<typeof landingManifestSchema>;

/** A manifest object that does not parse. */
export class ManifestFormatError extends Error {
  override readonly name = 'ManifestFormatError';
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(`manifest ${key}: ${message}`, options);
    this.key = key;
  }
}

/** Writes a manifest (SSE-KMS under the output key). */
export async function writeManifest(
  s3: S3Client,
  input: { bucket: string; key: string; kmsKeyId: string; manifest: LandingManifest },
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        Body: `${JSON.stringify(input.manifest, null, 2)}\n`,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: input.kmsKeyId,
        BucketKeyEnabled: true,
      }),
    );
  } catch (err) {
    throw new LandingStorageError(input.key, 'writing the manifest failed', { cause: err });
  }
}

function isNotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404;
}

/**
 * Reads a manifest; `null` when there is none. Throws {@link ManifestFormatError} when the object
 * exists but is not a manifest of this version.
 */
export async function readManifest(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<LandingManifest | null> {
  let text: string;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await out.Body?.transformToString('utf-8')) ?? '';
  } catch (err) {
    if (isNotFound(err)) return null;
    throw new LandingStorageError(key, 'reading the manifest failed', { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ManifestFormatError(key, 'is not JSON', { cause: err });
  }
  const parsed = landingManifestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.map(String).join('.')}: ${i.message}`)
      .join('; ');
    throw new ManifestFormatError(key, `does not match manifest version ${MANIFEST_VERSION}: ${problems}`);
  }
  return parsed.data;
}

export { isNotFound as isS3NotFound };
