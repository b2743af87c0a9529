/**
 * Learns what was landed: its row count, its schema and (optionally) the values of selected
 * columns for the conformance report. CSV is inspected while it streams ({@link streamingInspection});
 * Parquet and Arrow are read back from a spool file on local disk. Memory is bounded by one unit
 * of the format, never by the file:
 *
 * - CSV: a byte-level scan (`csv-scan.ts`), one record at a time; only needed fields are decoded.
 * - Parquet: the footer through ranged reads, then row-group slices and only the requested
 *   columns (`parquet-inspect.ts`, loaded only for Parquet artifacts).
 * - Arrow IPC (file or stream format): one record batch at a time through a file handle
 *   (`arrow-inspect.ts`, loaded only for Arrow artifacts).
 */
import { open } from 'node:fs/promises';
import { CsvInspector, formatError } from './csv-inspect.ts';
import { fileByteReader, scanCsv } from './csv-scan.ts';
import type { LandedFormat } from './layout.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

export type { ArtifactInspection, BatchVisitor, ColumnBatchValues } from './inspection.ts';
export { CSV_BATCH_ROWS, streamingInspection, type StreamingInspection } from './csv-inspect.ts';

async function inspectCsv(path: string, visitor: BatchVisitor | undefined): Promise<ArtifactInspection> {
  const inspector = new CsvInspector(visitor);
  const file = await open(path, 'r');
  try {
    await scanCsv(fileByteReader(file), inspector.onRecord);
  } finally {
    await file.close();
  }
  return inspector.result();
}

/**
 * Counts the rows of a spooled artifact, reads its schema and feeds `visitor` the requested
 * columns. Throws {@link ArtifactFormatError} when the file is not the declared format.
 */
export async function inspectArtifact(input: {
  path: string;
  format: LandedFormat;
  generationId: string;
  visitor?: BatchVisitor | undefined;
}): Promise<ArtifactInspection> {
  try {
    switch (input.format) {
      case 'csv':
        return await inspectCsv(input.path, input.visitor);
      case 'parquet':
        // Loaded on first use (a chunk of its own in the function bundle): a cold start does not
        // read the Parquet or Arrow readers, only the landings of such artifacts do.
        return await (await import('./parquet-inspect.ts')).inspectParquet(input.path, input.visitor);
      case 'arrow':
        return await (await import('./arrow-inspect.ts')).inspectArrow(input.path, input.visitor);
    }
  } catch (err) {
    throw formatError(input.generationId, input.format, err);
  }
}
