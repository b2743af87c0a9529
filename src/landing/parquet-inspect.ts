/**
 * Parquet inspection: the footer through ranged reads, then row-group slices of at most
 * {@link PARQUET_SLICE_ROWS} rows and only the requested columns. A module of its own so that
 * `inspect.ts` loads hyparquet only when a Parquet file is read (a lazy chunk in the bundle).
 */
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type FileMetaData,
} from 'hyparquet';
import { parquetColumns } from './columns.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';

/** Rows decoded per Parquet read call. */
export const PARQUET_SLICE_ROWS = 50_000;

/** The column names of the Parquet file at `path`, in file order (its footer only). */
export async function parquetColumnNames(path: string): Promise<string[]> {
  const file = await asyncBufferFromFile(path);
  return parquetColumns(parquetSchema(await parquetMetadataAsync(file))).map((c) => c.name);
}

export async function inspectParquet(
  path: string,
  visitor: BatchVisitor | undefined,
): Promise<ArtifactInspection> {
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
