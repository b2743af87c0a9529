/**
 * Learns what was landed: its row count, its schema and (optionally) the values of selected
 * columns for the conformance report. CSV is inspected while it streams ({@link streamingInspection});
 * Parquet and Arrow are read back from a spool file on local disk. Memory is bounded by one unit
 * of the format, never by the file:
 *
 * - CSV: a byte-level scan (`csv-scan.ts`), one record at a time; only needed fields are decoded.
 * - Parquet: the footer through ranged reads, then row-group slices of at most
 *   {@link PARQUET_SLICE_ROWS} rows and only the requested columns.
 * - Arrow IPC (file or stream format): one record batch at a time through a file handle
 *   (`arrow-inspect.ts`, loaded only for Arrow artifacts).
 */
import { open } from 'node:fs/promises';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type FileMetaData,
} from 'hyparquet';
import { parquetColumns } from './columns.ts';
import { CsvInspector, formatError } from './csv-inspect.ts';
import { fileByteReader, scanCsv } from './csv-scan.ts';
import type { LandedFormat } from './layout.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

export type { ArtifactInspection, BatchVisitor, ColumnBatchValues } from './inspection.ts';
export { CSV_BATCH_ROWS, streamingInspection, type StreamingInspection } from './csv-inspect.ts';

/** Rows decoded per Parquet read call. */
export const PARQUET_SLICE_ROWS = 50_000;

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

async function inspectParquet(path: string, visitor: BatchVisitor | undefined): Promise<ArtifactInspection> {
  const file = await asyncBufferFromFile(path);
  const metadata: FileMetaData = await parquetMetadataAsync(file);
  const columns = parquetColumns(parquetSchema(metadata));
  const rows = Number(metadata.num_rows);
  const groupRows = metadata.row_groups.reduce((sum, g) => sum + Number(g.num_rows), 0);
  if (groupRows !== rows) {
    throw new Error(`the footer says ${rows} rows but its row groups hold ${groupRows}`);
  }
  const present = new Set(columns.map((c) => c.name));
  const wanted = (visitor?.columns ?? []).filter((c) => present.has(c));
  if (visitor && wanted.length > 0) {
    for (let start = 0; start < rows; start += PARQUET_SLICE_ROWS) {
      const end = Math.min(rows, start + PARQUET_SLICE_ROWS);
      await parquetRead({
        file,
        metadata,
        columns: wanted,
        rowStart: start,
        rowEnd: end,
        rowFormat: 'object',
        onComplete: (slice) => {
          const columns = Object.fromEntries(wanted.map((c) => [c, slice.map((row) => row[c] as unknown)]));
          visitor.visitBatch(columns, slice.length);
        },
      });
    }
  }
  return { rows, columns };
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
        return await inspectParquet(input.path, input.visitor);
      case 'arrow':
        // Loaded on first use: only Arrow landings pay for evaluating apache-arrow.
        return await (await import('./arrow-inspect.ts')).inspectArrow(input.path, input.visitor);
    }
  } catch (err) {
    throw formatError(input.generationId, input.format, err);
  }
}
