/**
 * CSV inspection: row count, type inference and visitor batches over scanned records, fed from
 * a file ({@link CsvInspector} with `scanCsv`) or while the bytes stream
 * ({@link streamingInspection}). Free of the Parquet and Arrow readers, so the landing's scan
 * worker loads only this.
 */
import { numericColumnsOf } from './batch-visitors.ts';
import { CsvTypeInference, isCsvNull } from './columns.ts';
import { FieldTextCache, fieldNumber } from './csv-fields.ts';
import { CsvScanner, fieldText, type CsvRecord } from './csv-scan.ts';
import { ArtifactFormatError } from './errors.ts';
import type { LandedFormat } from './layout.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

/** Rows per CSV batch handed to a {@link BatchVisitor}. */
export const CSV_BATCH_ROWS = 4096;

/** Row count, type inference and visitor batches over scanned CSV records, header first. */
export class CsvInspector {
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

export function formatError(generationId: string, format: LandedFormat, err: unknown): ArtifactFormatError {
  return new ArtifactFormatError(generationId, format, err instanceof Error ? err.message : String(err), {
    cause: err,
  });
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
