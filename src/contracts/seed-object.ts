/**
 * The seed object as run events and state records carry it: a plain type with no runtime
 * dependency, so the event contract the construct package exports needs no zod to type-check.
 * `src/pipeline/seed-object.ts` validates it (its schema must produce exactly this shape).
 */

/** One version of a seed object in S3 (never its content). */
export interface SeedObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string | null;
  readonly size: number;
  /** When S3 reported the object (event time), ISO 8601; orders seeds of one feed. */
  readonly eventTime: string;
}
