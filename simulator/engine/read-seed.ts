/**
 * Reads an uploaded seed file (CSV or Parquet) into a {@link SeedTable}, inferring each column's
 * kind: numeric, logical, datetime or categorical text.
 */
import { parse } from 'csv-parse/sync';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { SeedFormatError } from './types.ts';
import type { SeedColumn, SeedTable } from './types.ts';

/** Extensions the engine reads; everything else is `unsupported_format`. */
export const SUPPORTED_SEED_EXTENSIONS = ['.csv', '.parquet'] as const;

/** Text tokens read as a missing value (R's `NA` plus common spellings). */
const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NULL', 'null', 'NaN', 'nan']);
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const LOGICAL_VALUES: ReadonlyMap<string, boolean> = new Map([
  ['TRUE', true],
  ['FALSE', false],
  ['True', true],
  ['False', false],
  ['true', true],
  ['false', false],
  ['T', true],
  ['F', false],
]);
const DATETIME_PATTERN = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a seed file. The format comes from the file name's extension (`.csv` or `.parquet`,
 * case-insensitive).
 *
 * @throws SeedFormatError `unsupported_format` for any other extension; `invalid_seed` for an
 *   empty file, a missing header, ragged rows (naming the line) or an unreadable Parquet file.
 */
export async function readSeed(bytes: Buffer, filename: string): Promise<SeedTable> {
  const extension = /\.[^.]+$/.exec(filename.toLowerCase())?.[0] ?? '';
  if (extension === '.csv') return readCsvSeed(bytes, filename);
  if (extension === '.parquet') return readParquetSeed(bytes, filename);
  throw new SeedFormatError(
    'unsupported_format',
    `Seed file "${filename}" has an unsupported format${extension ? ` (${extension})` : ''}: ` +
      'the simulator reads CSV (.csv, with a header row) and Parquet (.parquet). ' +
      'Export the data as CSV or Parquet and upload it again.',
  );
}

function readCsvSeed(bytes: Buffer, filename: string): SeedTable {
  if (bytes.length === 0) throw invalidSeed(filename, 'the file is empty');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(bytes, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    throw invalidSeed(filename, `it is not valid CSV (${(error as Error).message})`, error);
  }
  const [header, ...rows] = records;
  if (!header) throw invalidSeed(filename, 'the file has no header row');
  const names = header.record.map((name) => name.trim());
  if (names.every((name) => name === '')) throw invalidSeed(filename, 'the header row is empty');
  assertUniqueNames(names, filename);
  if (rows.length === 0) throw invalidSeed(filename, 'the file has a header row but no data rows');
  rows.forEach(({ record, info }, index) => {
    if (record.length !== names.length) {
      throw invalidSeed(
        filename,
        `data row ${index + 1} (line ${info.lines}) has ${record.length} fields but the header has ${names.length}`,
      );
    }
  });
  const columns = names.map((name, col) =>
    columnFromText(
      name,
      rows.map(({ record }) => {
        const raw = record[col] ?? '';
        return MISSING_TOKENS.has(raw.trim()) ? null : raw;
      }),
      true,
    ),
  );
  return { format: 'csv', rowCount: rows.length, columns };
}

async function readParquetSeed(bytes: Buffer, filename: string): Promise<SeedTable> {
  if (bytes.length < 12 || bytes.subarray(0, 4).toString('latin1') !== 'PAR1') {
    throw invalidSeed(filename, 'it is not a Parquet file (the PAR1 magic bytes are missing)');
  }
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let rows: Array<Record<string, unknown>>;
  let names: string[];
  try {
    const metadata = parquetMetadata(file);
    names = parquetSchema(metadata).children.map((child) => child.element.name);
    rows = await parquetReadObjects({ file, metadata });
  } catch (error) {
    throw invalidSeed(filename, `the Parquet file could not be read (${(error as Error).message})`, error);
  }
  if (names.length === 0) throw invalidSeed(filename, 'the Parquet file has no columns');
  if (rows.length === 0) throw invalidSeed(filename, 'the Parquet file has no rows');
  const columns = names.map((name) =>
    columnFromValues(
      name,
      rows.map((row) => row[name]),
    ),
  );
  return { format: 'parquet', rowCount: rows.length, columns };
}

/** Infers a column from typed Parquet values. */
function columnFromValues(name: string, values: unknown[]): SeedColumn {
  const present = values.filter((value) => value !== null && value !== undefined);
  if (present.length > 0 && present.every((v) => typeof v === 'number' || typeof v === 'bigint')) {
    return {
      name,
      kind: 'numeric',
      values: Float64Array.from(values, (v) =>
        typeof v === 'number' || typeof v === 'bigint' ? Number(v) : Number.NaN,
      ),
    };
  }
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) {
    return { name, kind: 'logical', values: values.map((v) => (typeof v === 'boolean' ? v : null)) };
  }
  if (present.length > 0 && present.every((v) => v instanceof Date)) {
    return {
      name,
      kind: 'datetime',
      values: values.map((v) => (v instanceof Date ? v.toISOString() : null)),
    };
  }
  const text = values.map((v) => (v === null || v === undefined ? null : scalarText(v)));
  return columnFromText(name, text, false);
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/**
 * Infers a text column's kind. Untyped text (CSV) may turn out numeric or logical; typed text
 * (Parquet strings) stays text unless every value is an ISO date or timestamp.
 */
function columnFromText(name: string, values: Array<string | null>, untyped: boolean): SeedColumn {
  const present = values.filter((value): value is string => value !== null);
  if (present.length === 0) return { name, kind: 'categorical', values };
  if (untyped && present.every((value) => NUMBER_PATTERN.test(value.trim()))) {
    return {
      name,
      kind: 'numeric',
      values: Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v.trim()))),
    };
  }
  if (untyped && present.every((value) => LOGICAL_VALUES.has(value.trim()))) {
    return {
      name,
      kind: 'logical',
      values: values.map((v) => (v === null ? null : LOGICAL_VALUES.get(v.trim())!)),
    };
  }
  if (present.every((value) => DATETIME_PATTERN.test(value.trim()))) {
    return { name, kind: 'datetime', values };
  }
  return { name, kind: 'categorical', values };
}

function assertUniqueNames(names: readonly string[], filename: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name) && name !== '') {
      throw invalidSeed(filename, `the header names the column "${name}" twice; column names must be unique`);
    }
    seen.add(name);
  }
}

function invalidSeed(filename: string, reason: string, cause?: unknown): SeedFormatError {
  return new SeedFormatError('invalid_seed', `Seed file "${filename}" cannot be used: ${reason}.`, { cause });
}
