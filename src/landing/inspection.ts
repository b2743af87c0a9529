/**
 * What an inspection of a landed artifact yields and how a caller receives column values; shared
 * by the CSV/Parquet inspector (`inspect.ts`) and the Arrow one (`arrow-inspect.ts`).
 */
import type { LandedColumn } from './columns.ts';

/** Values of one column for the rows of a batch: an array, a typed array or an Arrow vector. */
export type ColumnBatchValues = ArrayLike<unknown> | Iterable<unknown>;

/** Receives the values of `columns` for every row, in file order, one batch of rows at a time. */
export interface BatchVisitor {
  /** Columns the visitor needs; other columns are not decoded. */
  readonly columns: readonly string[];
  /** Of those, the numeric ones: CSV cells are handed over as numbers where they parse as such. */
  readonly numericColumns?: ReadonlySet<string>;
  /**
   * True when this visitor reads a number and the same number as text alike (the quality report
   * compares cells by value): any of its columns may then be handed over as numbers, which spares
   * decoding a string per cell.
   */
  readonly numbersWelcome?: boolean;
  /**
   * One batch: the needed columns present in the file, `rowCount` rows each. CSV values are
   * numbers (numeric columns), strings, or null for empty/NA cells. The arrays are only valid
   * during the call (they are reused for the next batch).
   */
  visitBatch(columns: Readonly<Record<string, ColumnBatchValues>>, rowCount: number): void;
}

export interface ArtifactInspection {
  readonly rows: number;
  readonly columns: readonly LandedColumn[];
}
