/**
 * Data types shared by the simulator's data engine: the seed as read from the upload, the
 * cleaned training frame, the trained model and the generated columns. All of them are plain
 * data; {@link TrainedModel} is JSON-serialisable so the server can persist it.
 */
import type { CleaningSummary, Conditions, SchemaColumn } from '../../src/client/contract.ts';

export type { CleaningSummary, Conditions, SchemaColumn };

/** A seed column whose values are all numbers (missing values are `NaN`). */
export interface NumericSeedColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float64Array;
}

/** A seed column of text values (`null` = missing). */
export interface TextSeedColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly values: ReadonlyArray<string | null>;
}

/** A seed column of booleans (`null` = missing). */
export interface LogicalSeedColumn {
  readonly name: string;
  readonly kind: 'logical';
  readonly values: ReadonlyArray<boolean | null>;
}

/** A seed column of dates or timestamps, kept as ISO text; the engine does not model them. */
export interface DatetimeSeedColumn {
  readonly name: string;
  readonly kind: 'datetime';
  readonly values: ReadonlyArray<string | null>;
}

export type SeedColumn = NumericSeedColumn | TextSeedColumn | LogicalSeedColumn | DatetimeSeedColumn;

/** An uploaded seed file, column by column, with its original column names. */
export interface SeedTable {
  readonly format: 'csv' | 'parquet';
  readonly rowCount: number;
  readonly columns: readonly SeedColumn[];
}

/** A retained numeric column of the cleaned frame. */
export interface CleanNumericColumn {
  /** Identifier-safe (vendor) name. */
  readonly name: string;
  readonly originalName: string;
  readonly kind: 'numeric';
  /** `integer` when every observed value is a whole number. */
  readonly type: 'integer' | 'numeric';
  /** `NaN` = missing. */
  readonly values: Float64Array;
  readonly conditioningExcluded: boolean;
}

/** A retained categorical column of the cleaned frame (factor or logical). */
export interface CleanCategoricalColumn {
  readonly name: string;
  readonly originalName: string;
  readonly kind: 'categorical';
  /** `logical` columns have the levels `FALSE`, `TRUE`. */
  readonly type: 'factor' | 'logical';
  readonly levels: readonly string[];
  /** Index into `levels`; `-1` = missing. */
  readonly codes: Int32Array;
  readonly conditioningExcluded: boolean;
  /** Original levels folded into `Other` because they were rare. */
  readonly foldedLevels: readonly string[];
}

export type CleanColumn = CleanNumericColumn | CleanCategoricalColumn;

/** The cleaned training frame, in the order the schema reports it. */
export interface CleanTable {
  readonly rowCount: number;
  readonly columns: readonly CleanColumn[];
}

/** Per-column model parameters (plain JSON). */
export type ModelColumn =
  | {
      readonly name: string;
      readonly kind: 'numeric';
      readonly type: 'integer' | 'numeric';
      readonly min: number | null;
      readonly max: number | null;
      /** Kernel bandwidth of the jitter added to resampled values (0 = no jitter). */
      readonly bandwidth: number;
      /** Decimal places values are rounded to (0 for integers). */
      readonly decimals: number;
      readonly conditioningExcluded: boolean;
      /** Training rows' values; `null` = missing. */
      readonly values: ReadonlyArray<number | null>;
    }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      readonly type: 'factor' | 'logical';
      readonly levels: readonly string[];
      readonly conditioningExcluded: boolean;
      /** Training rows' level indexes; `-1` = missing. */
      readonly codes: readonly number[];
    };

/**
 * A trained model: a smoothed bootstrap of the cleaned frame (rows are resampled jointly, so the
 * dependencies between columns survive; numeric values get kernel jitter within the observed range).
 * JSON-serialisable.
 */
export interface TrainedModel {
  readonly version: 1;
  readonly rowCount: number;
  readonly trainingSeed: number;
  readonly columns: readonly ModelColumn[];
  /** Original column name -> vendor name, for hints in condition errors. */
  readonly renames: Readonly<Record<string, string>>;
}

/** One problem found in a `conditions` object, mapped by the server to a 400 problem. */
export interface ConditionProblem {
  readonly code: 'simio_unknown_condition_column' | 'simio_invalid_field';
  /** JSON path of the offending field, e.g. `conditions.categorical.segment.Premium`. */
  readonly field: string;
  readonly message: string;
}

/** A generated numeric column (`NaN` = null). */
export interface GeneratedNumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly type: 'integer' | 'numeric';
  readonly values: Float64Array;
}

/** A generated categorical column as level codes (`-1` = null). */
export interface GeneratedCategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly type: 'factor' | 'logical';
  readonly levels: readonly string[];
  readonly codes: Int32Array;
}

export type GeneratedColumn = GeneratedNumericColumn | GeneratedCategoricalColumn;

/** Generated rows, column by column, named with the cleaned (vendor) column names. */
export interface GeneratedColumns {
  readonly rowCount: number;
  readonly columns: readonly GeneratedColumn[];
}

export interface GenerateRequest {
  readonly rowCount: number;
  readonly conditions?: Conditions;
  readonly seed: number;
  /** How rows are made from their sources (default `bootstrap`), see `perturb.ts`. */
  readonly mode?: 'bootstrap' | 'perturbed' | 'copy';
}

export interface GenerateResult {
  readonly columns: GeneratedColumns;
  /** Always `<= rowCount`. */
  readonly rowsGenerated: number;
  /** True when fewer rows than requested were feasible. */
  readonly partial: boolean;
}

export type ArtifactFormat = 'parquet' | 'csv' | 'arrow';

/** Thrown for an unreadable seed file; `code` tells the server which problem to answer. */
export class SeedFormatError extends Error {
  override readonly name = 'SeedFormatError';
  constructor(
    readonly code: 'unsupported_format' | 'invalid_seed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
