/**
 * Seed objects: where they live (`seeds/<feed>/<file>`), which files are seeds, and the
 * deterministic names derived from an object's identity (execution name, Idempotency-Key).
 */
import { createHash } from 'node:crypto';
import * as z from '../contracts/zod.ts';

import { MAX_SEED_BYTES } from '../client/index.ts';
import type { SeedObject } from '../contracts/seed-object.ts';
import { FEED_NAME_RULE, isValidName, nameProblem } from '../names/rules.ts';

/** The vendor's upload limit (`simio_file_too_large` above it), as the client enforces it. */
export { MAX_SEED_BYTES };

/** Prefix under which seeds are dropped. */
export const SEED_PREFIX = 'seeds/';

/** The per-feed scenario file name; it is configuration, not a seed. */
export const SCENARIO_FILE_NAME = 'scenarios.json';

/** Feed names become S3 partitions and Glue table names (the rule lives in `src/names/rules.ts`). */
export const FEED_NAME_PATTERN = FEED_NAME_RULE.pattern;

/** Seed formats the pipeline accepts, by file extension. */
export const SEED_FORMATS = {
  csv: { extension: '.csv', contentType: 'text/csv' },
  parquet: { extension: '.parquet', contentType: 'application/vnd.apache.parquet' },
} as const;

export type SeedFormat = keyof typeof SEED_FORMATS;

/** One version of a seed object in S3 (never its content). */
export const seedObjectSchema = z.object({
  bucket: z.string().check(z.minLength(3)),
  key: z.string().check(z.minLength(1)),
  versionId: z.nullable(z.string().check(z.minLength(1))),
  etag: z.nullable(z.string().check(z.minLength(1))),
  size: z.number().check(z.int(), z.nonnegative()),
  /** When S3 reported the object (event time), ISO 8601; orders seeds of one feed. */
  eventTime: z.string().check(z.minLength(1)),
}) satisfies z.ZodMiniType<SeedObject>;
export type { SeedObject };

/** Why an object is refused as a seed. */
export type SeedRejectionCode =
  | 'outside_seed_prefix'
  | 'bad_key_layout'
  | 'invalid_feed_name'
  | 'unsupported_type'
  | 'empty_file'
  | 'file_too_large'
  | 'object_missing';

export interface SeedRejection {
  readonly code: SeedRejectionCode;
  /** What is wrong and how to fix it. */
  readonly reason: string;
}

/** A key under `seeds/<feed>/` that is accepted as a seed. */
export interface SeedKey {
  readonly feed: string;
  readonly fileName: string;
  readonly format: SeedFormat;
}

/** What an object under the seed bucket is. */
export type SeedKeyClassification =
  | { readonly kind: 'seed'; readonly seed: SeedKey }
  | { readonly kind: 'scenario-file'; readonly feed: string }
  | {
      readonly kind: 'rejected';
      readonly feed: string | null;
      /** The `seeds/<folder>/` segment as uploaded, also when it is not a valid feed name. */
      readonly folder?: string;
      readonly rejection: SeedRejection;
    };

/** Classifies an object key (already URL-decoded) and its size. */
export function classifySeedKey(key: string, size: number): SeedKeyClassification {
  if (!key.startsWith(SEED_PREFIX)) {
    return rejected(
      null,
      'outside_seed_prefix',
      `Only objects under "${SEED_PREFIX}<feed>/" are seeds; "${key}" is not.`,
    );
  }
  const parts = key.slice(SEED_PREFIX.length).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    const folder = parts.length >= 2 && parts[0] ? parts[0] : null;
    return rejected(
      folder !== null && isValidName(FEED_NAME_RULE, folder) ? folder : null,
      'bad_key_layout',
      `Seeds must be placed exactly at "seeds/<feed>/<file>" (no sub-folders); got "${key}".`,
      folder,
    );
  }
  const [feed, fileName] = parts as [string, string];
  const problem = nameProblem(FEED_NAME_RULE, feed);
  if (problem !== null) {
    return rejected(
      null,
      'invalid_feed_name',
      `The ${problem} (the folder of seeds/<feed>/${fileName}); move the file under a valid feed name.`,
      feed,
    );
  }
  if (fileName === SCENARIO_FILE_NAME) return { kind: 'scenario-file', feed };
  const format = seedFormatOf(fileName);
  if (!format) {
    return rejected(
      feed,
      'unsupported_type',
      `"${fileName}" is not a supported seed; upload a .csv or .parquet file.`,
    );
  }
  if (size === 0) {
    return rejected(
      feed,
      'empty_file',
      `"${fileName}" is empty (0 bytes); upload a file with a header and rows.`,
    );
  }
  if (size > MAX_SEED_BYTES) {
    return rejected(
      feed,
      'file_too_large',
      `"${fileName}" is ${size} bytes; the vendor accepts at most ${MAX_SEED_BYTES} bytes (500 MiB). Sample or split the seed.`,
    );
  }
  return { kind: 'seed', seed: { feed, fileName, format } };
}

function rejected(
  feed: string | null,
  code: SeedRejectionCode,
  reason: string,
  folder: string | null = feed,
): SeedKeyClassification {
  return { kind: 'rejected', feed, ...(folder !== null ? { folder } : {}), rejection: { code, reason } };
}

/** The seed format for a file name, by its (case-insensitive) extension. */
export function seedFormatOf(fileName: string): SeedFormat | null {
  const lower = fileName.toLowerCase();
  for (const [format, spec] of Object.entries(SEED_FORMATS)) {
    if (lower.endsWith(spec.extension) && lower.length > spec.extension.length) return format as SeedFormat;
  }
  return null;
}

/** Hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `bucket/key/versionId-or-etag`: the identity of one version of an object. */
export function seedIdentity(seed: Pick<SeedObject, 'bucket' | 'key' | 'versionId' | 'etag'>): string {
  const version = seed.versionId ?? (seed.etag ? `etag:${seed.etag.replace(/"/g, '')}` : 'unversioned');
  return `${seed.bucket}/${seed.key}/${version}`;
}

/**
 * Idempotency-Key for uploading a seed: `ds-` + sha256(identity), 64 hex characters kept.
 * A re-training of the same seed after its dataset expired must not replay the old (expired)
 * dataset, so it adds the dataset it replaces: the key stays stable across Step Functions retries.
 */
export function datasetIdempotencyKey(
  seed: Pick<SeedObject, 'bucket' | 'key' | 'versionId' | 'etag'>,
  replacesDatasetId?: string | null,
): string {
  const basis = replacesDatasetId
    ? `${seedIdentity(seed)}#replaces:${replacesDatasetId}`
    : seedIdentity(seed);
  return `ds-${sha256Hex(basis).slice(0, 64)}`;
}

/**
 * The ingest execution name for a seed version: deterministic, so a duplicate S3 event maps to
 * `ExecutionAlreadyExists`. Step Functions allows 80 characters of `[A-Za-z0-9_-]`.
 */
export function ingestExecutionName(
  feed: string | null,
  seed: Pick<SeedObject, 'bucket' | 'key' | 'versionId' | 'etag'>,
): string {
  const label = (feed ?? 'unknown').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 30);
  return `ingest-${label}-${sha256Hex(seedIdentity(seed)).slice(0, 40)}`;
}
