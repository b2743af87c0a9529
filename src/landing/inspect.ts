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
import { numericColumnsOf } from './batch-visitors.ts';
import { CsvTypeInference, isCsvNull, parquetColumns } from './columns.ts';
import {
  CsvScanner,
  FieldTextCache,
  fieldNumber,
  fieldText,
  fileByteReader,
  scanCsv,
  type CsvRecord,
} from './csv-scan.ts';
import { ArtifactFormatError } from './errors.ts';
import type { LandedFormat } from './layout.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

export type { ArtifactInspection, BatchVisitor, ColumnBatchValues } from './inspection.ts';

/** Rows decoded per Parquet read call. */
export const PARQUET_SLICE_ROWS = 50_000;

/** Rows per CSV batch handed to a {@link BatchVisitor}. */
export const CSV_BATCH_ROWS = 4096;

/** Row count, type inference and visitor batches over scanned CSV records, header first. */
class CsvInspector {
  private inference: CsvTypeInference | null = null;
  private width = 0;
  private wanted: Array<{
    name: string;
    index: number;
    numeric: boolean;
    cache: FieldTextCache;
    values: unknown[];
  }> = [];
  private readonly batch: Record<string, unknown[]> = {};
  private filled = 0;
  private rows = 0;

  constructor(private readonly visitor: BatchVisitor | undefined) {}

  /** For {@link CsvScanner} and {@link scanCsv}. */
  readonly onRecord = (record: CsvRecord): void => {
    if (this.inference === null) {
      this.readHeader(record);
      return;
    }
    if (record.count !== this.width) {
      throw new Error(`record ${this.rows + 1} has ${record.count} fields but the header has ${this.width}`);
    }
    this.rows += 1;
    this.inference.observeRecord(record);
    if (this.wanted.length === 0) return;
    for (const column of this.wanted) {
      const number = column.numeric ? fieldNumber(record, column.index) : undefined;
      if (number !== undefined) {
        column.values[this.filled] = number;
      } else {
        const raw = column.cache.text(record, column.index);
        column.values[this.filled] = isCsvNull(raw) ? null : raw;
      }
    }
    this.filled += 1;
    if (this.filled === CSV_BATCH_ROWS) this.flush();
  };

  /** Call after the last record. */
  result(): ArtifactInspection {
    this.flush();
    if (this.inference === null) throw new Error('the file is empty: no header row');
    return { rows: this.rows, columns: this.inference.columns() };
  }

  private readHeader(record: CsvRecord): void {
    const header = Array.from({ length: record.count }, (_, i) => fieldText(record, i));
    this.inference = new CsvTypeInference(header);
    this.width = header.length;
    const index = new Map(header.map((name, i) => [name, i] as const));
    const numericColumns = this.visitor ? numericColumnsOf(this.visitor) : new Set<string>();
    this.wanted = (this.visitor?.columns ?? []).flatMap((name) => {
      const i = index.get(name);
      if (i === undefined) return [];
      const values: unknown[] = new Array<unknown>(CSV_BATCH_ROWS);
      this.batch[name] = values;
      const numeric = numericColumns.has(name);
      return [{ name, index: i, numeric, cache: new FieldTextCache(), values }];
    });
  }

  private flush(): void {
    if (!this.visitor || this.filled === 0) return;
    for (const column of this.wanted) column.values.length = this.filled;
    this.visitor.visitBatch(this.batch, this.filled);
    this.filled = 0;
  }
}

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

function formatError(generationId: string, format: LandedFormat, err: unknown): ArtifactFormatError {
  return new ArtifactFormatError(generationId, format, err instanceof Error ? err.message : String(err), {
    cause: err,
  });
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

/** The same inspection as {@link inspectArtifact}, fed the bytes while they stream. */
export interface StreamingInspection {
  /**
   * Inspects the next bytes. Never throws: the first format error is kept for {@link finish},
   * so a failed GCM tag (which fails the stream) is reported before a format error found in
   * the same unauthenticated plaintext, as when the file is read back after the stream.
   */
  write(chunk: Uint8Array): void;
  /** After the last chunk; throws {@link ArtifactFormatError}. */
  finish(): ArtifactInspection;
}

/**
 * A {@link StreamingInspection} for formats readable front to back (CSV), so the artifact needs
 * no second pass and no spool file; null for formats whose metadata sits at the end of the file
 * (Parquet footer, Arrow IPC file footer): those are spooled and read with {@link inspectArtifact}.
 */
export function streamingInspection(input: {
  format: LandedFormat;
  generationId: string;
  visitor?: BatchVisitor | undefined;
}): StreamingInspection | null {
  if (input.format !== 'csv') return null;
  const inspector = new CsvInspector(input.visitor);
  const scanner = new CsvScanner(inspector.onRecord);
  let failure: ArtifactFormatError | null = null;
  return {
    write(chunk) {
      if (failure) return;
      try {
        scanner.push(chunk);
      } catch (err) {
        failure = formatError(input.generationId, input.format, err);
      }
    },
    finish() {
      if (failure) throw failure;
      try {
        scanner.end();
        return inspector.result();
      } catch (err) {
        throw formatError(input.generationId, input.format, err);
      }
    },
  };
}
