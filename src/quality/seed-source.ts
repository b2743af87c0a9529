/**
 * Reads the seed a generation was made from (the exact object version in the seed bucket) for
 * the quality report: spooled to local disk, then scanned in batches like a landed artifact.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CsvScanner, fieldText } from '../landing/csv-scan.ts';
import { EphemeralStorageError } from '../landing/errors.ts';
import { inspectArtifact, type BatchVisitor } from '../landing/inspect.ts';
import { openBoundedSpoolFile, type SpoolBound } from '../landing/spool.ts';

export type SeedFileFormat = 'csv' | 'parquet';

/** Where the seed is: the run's seed object. */
export interface SeedLocation {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string | null | undefined;
}

/** The seed could not be read for the report; the generation is not published without one. */
export class SeedReadError extends Error {
  override readonly name = 'SeedReadError';
}

export function seedFormatOf(key: string): SeedFileFormat {
  const lower = key.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  throw new SeedReadError(`seed s3 object ${key} is neither .csv nor .parquet`);
}

/**
 * Downloads the seed version into `dir`; returns the local path. With `bound`, the seed must fit
 * in what `/tmp` (`bound.baseDir`) has left of the function's ephemeral storage, else
 * {@link EphemeralStorageError}.
 */
export async function spoolSeed(
  s3: S3Client,
  seed: SeedLocation,
  dir: string,
  bound?: Omit<SpoolBound, 'what' | 'alternative'> & { readonly baseDir: string },
): Promise<string> {
  const path = join(dir, `seed.${seedFormatOf(seed.key)}`);
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: seed.bucket,
        Key: seed.key,
        ...(seed.versionId ? { VersionId: seed.versionId } : {}),
      }),
    );
    if (!out.Body) throw new Error('empty response body');
    const file = await openBoundedSpoolFile(bound?.baseDir ?? dir, path, out.ContentLength ?? null, {
      ...bound,
      generationId: bound?.generationId ?? '',
      what: 'the seed for the quality report',
      alternative: "turn the scenario's quality report off",
    }).catch((err: unknown) => {
      (out.Body as Readable).destroy();
      throw err;
    });
    await pipeline(out.Body as Readable, file);
  } catch (err) {
    if (err instanceof EphemeralStorageError) throw err;
    throw new SeedReadError(
      `reading seed s3://${seed.bucket}/${seed.key} for the quality report failed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return path;
}

class HeaderFound extends Error {}

async function csvHeader(path: string): Promise<string[]> {
  let header: string[] | null = null;
  const scanner = new CsvScanner((record) => {
    header = Array.from({ length: record.count }, (_, i) => fieldText(record, i));
    throw new HeaderFound();
  });
  const file = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length);
      if (bytesRead === 0) {
        scanner.end();
        break;
      }
      scanner.push(chunk.subarray(0, bytesRead));
    }
  } catch (err) {
    if (!(err instanceof HeaderFound)) throw err;
  } finally {
    await file.close();
  }
  if (!header) throw new SeedReadError('the seed is empty: no header row');
  return header;
}

/** The seed's column names, in file order. */
export async function seedColumns(path: string, format: SeedFileFormat): Promise<string[]> {
  if (format === 'csv') return csvHeader(path);
  // Loaded on first use: hyparquet stays out of the cold start of the function bundle.
  return (await import('../landing/parquet-inspect.ts')).parquetColumnNames(path);
}

/** Feeds every row of the seed's `columns` to `visitor`, in batches. */
export async function scanSeed(path: string, format: SeedFileFormat, visitor: BatchVisitor): Promise<number> {
  try {
    const inspected = await inspectArtifact({ path, format, generationId: 'seed', visitor });
    return inspected.rows;
  } catch (err) {
    throw new SeedReadError(`the seed could not be read for the quality report: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
