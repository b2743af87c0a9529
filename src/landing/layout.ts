/**
 * Where landed data lives in the customer bucket. One place builds every key so the landing
 * step, the manifest and the catalog agree:
 *
 *   synthetic/feed=<feed>/scenario=<name>/dt=<YYYY-MM-DD>/generation=<generation_id>/<generation_id>.<ext>
 *   _manifests/feed=<feed>/scenario=<name>/dt=<YYYY-MM-DD>/<generation_id>.json
 *
 * Each generation has a directory of its own, so it is a Glue partition of its own: a file's
 * columns never share a partition (and so a column list read by position) with another file's.
 */

/** Output formats the vendor produces. */
export const LANDED_FORMATS = ['parquet', 'csv', 'arrow'] as const;
export type LandedFormat = (typeof LANDED_FORMATS)[number];

/** Hive partition keys of landed data, in path order (also the Glue table's partition keys). */
export const PARTITION_KEY_NAMES = ['scenario', 'dt', 'generation'] as const;

/** Prefix of landed data objects. */
export const DATA_PREFIX = 'synthetic';
/** Prefix of landing manifests. */
export const MANIFEST_PREFIX = '_manifests';
/** Generations that failed the publish gate (and ones still being audited): no table reads it. */
export const QUARANTINE_PREFIX = '_quarantine';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const GENERATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A value that cannot be used in an S3 key or a Hive partition path. */
export class LayoutInputError extends Error {
  override readonly name = 'LayoutInputError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

export function isLandedFormat(value: string): value is LandedFormat {
  return (LANDED_FORMATS as readonly string[]).includes(value);
}

/** File extension of a landed object. */
export function extensionFor(format: LandedFormat): string {
  return format === 'arrow' ? 'arrow' : format;
}

/** Content-Type stored on a landed object. */
export function contentTypeFor(format: LandedFormat): string {
  switch (format) {
    case 'parquet':
      return 'application/vnd.apache.parquet';
    case 'csv':
      return 'text/csv';
    case 'arrow':
      return 'application/vnd.apache.arrow.file';
  }
}

/**
 * The `dt` partition of a generation: the UTC date of its `created_at`. Derived from the vendor's
 * timestamp (not the wall clock) so a retry on another day lands under the same key.
 */
export function partitionDate(createdAt: string): string {
  const ms = Date.parse(createdAt);
  if (Number.isNaN(ms)) {
    throw new LayoutInputError('created_at', `"${createdAt}" is not an ISO-8601 timestamp`);
  }
  return new Date(ms).toISOString().slice(0, 10);
}

function checkSegment(field: string, value: string): string {
  if (!SEGMENT.test(value)) {
    throw new LayoutInputError(
      field,
      `"${value}" cannot be used in an S3 partition path; use 1-128 characters from A-Z a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
  return value;
}

export interface LandingKeyInput {
  readonly feed: string;
  readonly scenario: string;
  readonly dt: string;
  readonly generationId: string;
  readonly format: LandedFormat;
}

export interface LandingKeys {
  /** Key of the data object. */
  readonly outputKey: string;
  /** Key of the manifest JSON. */
  readonly manifestKey: string;
  /** Prefix of the partition the data object sits in (ends with `/`). */
  readonly partitionPrefix: string;
}

/** Builds the data and manifest keys of one landed generation; refuses unsafe path segments. */
export function landingKeys(input: LandingKeyInput): LandingKeys {
  const feed = checkSegment('feed', input.feed);
  const scenario = checkSegment('scenario.name', input.scenario);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.dt)) {
    throw new LayoutInputError('dt', `"${input.dt}" is not a YYYY-MM-DD date`);
  }
  if (!GENERATION_ID.test(input.generationId)) {
    throw new LayoutInputError('generationId', `"${input.generationId}" is not a vendor generation id`);
  }
  const day = `feed=${feed}/scenario=${scenario}/dt=${input.dt}`;
  const partition = `${DATA_PREFIX}/${day}/generation=${input.generationId}/`;
  return {
    outputKey: `${partition}${input.generationId}.${extensionFor(input.format)}`,
    manifestKey: `${MANIFEST_PREFIX}/${day}/${input.generationId}.json`,
    partitionPrefix: partition,
  };
}
