/**
 * What a landed format looks like in the Glue Data Catalog: table names, storage descriptors
 * (SerDe, input/output formats) and column lists, plus the schema-evolution rule applied when a
 * later seed changes the columns.
 *
 * Both formats are read by position, as Athena reads them: the OpenCSVSerDe always does, and
 * Parquet tables set `parquet.column.index.access` because the files keep the vendor's names
 * (`Body.Mass..g.`), which can never match a Glue column name. So the evolution rule is
 * positional too (see {@link planColumns}).
 */
import type { Column, StorageDescriptor } from '@aws-sdk/client-glue';
import { MAX_ATHENA_NAME_LENGTH, withAthenaNames } from '../landing/athena-names.ts';
import type { LandedColumn } from '../landing/columns.ts';
import { PARTITION_KEY_NAMES, type LandedFormat } from '../landing/layout.ts';

const PARTITION_KEY_COMMENTS: Readonly<Record<(typeof PARTITION_KEY_NAMES)[number], string>> = {
  scenario: 'scenario name from scenarios.json',
  dt: 'UTC date (YYYY-MM-DD) the generation was created',
  generation: 'vendor generation id (one partition per landed file)',
};

/** Partition keys of every feed table, in path order. */
export const PARTITION_KEYS: readonly Column[] = PARTITION_KEY_NAMES.map((name) => ({
  Name: name,
  Type: 'string',
  Comment: PARTITION_KEY_COMMENTS[name],
}));

/** Why a format gets no table, or null when Athena can read it. */
export function unqueryableReason(format: LandedFormat): string | null {
  return format === 'arrow'
    ? 'Arrow IPC files are not readable by Athena or any Glue SerDe; the data is landed but no table is registered (choose parquet or csv to query it)'
    : null;
}

/**
 * Glue/Athena table name for a feed: lower-case, characters outside `[a-z0-9_]` become `_`, a
 * leading digit gets a `feed_` prefix. A feed that lands a second format gets `<name>_<format>`;
 * a schema Athena could not read through the existing table (see {@link planColumns}) starts
 * `<name>_v2`, `<name>_v3`, ...
 */
export function tableNameFor(feed: string, suffix?: string, epoch = 1): string {
  let name = feed.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (!/^[a-z_]/.test(name)) name = `feed_${name}`;
  const tail = `${suffix ? `_${suffix}` : ''}${epoch > 1 ? `_v${epoch}` : ''}`;
  return `${name.slice(0, MAX_ATHENA_NAME_LENGTH - tail.length)}${tail}`;
}

/**
 * Glue column list for landed columns: each under its Athena name (`athena-names.ts`), with the
 * vendor's name in the comment when it differs. CSV columns with empty cells are declared
 * `string`: the OpenCSVSerDe cannot read an empty cell as a number or boolean.
 */
export function glueColumns(format: LandedFormat, columns: readonly LandedColumn[]): Column[] {
  const named = columns.every((c) => c.athenaName) ? columns : withAthenaNames(columns);
  return named.map((c) => ({
    Name: c.athenaName ?? c.name,
    Type: format === 'csv' && c.hasNulls ? 'string' : c.type,
    ...(c.athenaName === c.name ? {} : { Comment: `vendor column ${c.name}`.slice(0, 255) }),
  }));
}

/** Storage descriptor of a table or partition of `format` at `location`. */
export function storageDescriptor(
  format: Exclude<LandedFormat, 'arrow'>,
  columns: readonly Column[],
  location: string,
): StorageDescriptor {
  if (format === 'parquet') {
    return {
      Columns: [...columns],
      Location: location,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        // The files keep the vendor's column names: Athena must map columns by position.
        Parameters: { 'serialization.format': '1', 'parquet.column.index.access': 'true' },
      },
      Compressed: false,
      StoredAsSubDirectories: false,
    };
  }
  return {
    Columns: [...columns],
    Location: location,
    InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    SerdeInfo: {
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
      Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\', 'skip.header.line.count': '1' },
    },
    Parameters: { 'skip.header.line.count': '1' },
    Compressed: false,
    StoredAsSubDirectories: false,
  };
}

/** Table parameters for `format`. */
export function tableParameters(
  format: Exclude<LandedFormat, 'arrow'>,
  feed: string,
): Record<string, string> {
  return {
    EXTERNAL: 'TRUE',
    classification: format,
    'simulacra.feed': feed,
    ...(format === 'csv' ? { 'skip.header.line.count': '1' } : {}),
  };
}

/** Differences between a table's columns and a newly landed file's columns (names lower-case). */
export interface SchemaChange {
  /** Columns the new file has and the table did not: appended to the table. */
  readonly added: readonly Column[];
  /** Table columns the new file lacks: kept (older partitions still have them; new rows read null). */
  readonly missing: readonly string[];
  /** Same name, different type: the table keeps its type, the partition records the file's own. */
  readonly typeChanged: ReadonlyArray<{
    readonly name: string;
    readonly tableType: string;
    readonly fileType: string;
  }>;
}

/** Compares columns by (lower-case) name. Returns null when nothing changed. */
export function diffColumns(table: readonly Column[], file: readonly Column[]): SchemaChange | null {
  const tableByName = new Map(table.map((c) => [c.Name ?? '', c.Type ?? '']));
  const fileNames = new Set(file.map((c) => c.Name ?? ''));
  const added = file.filter((c) => !tableByName.has(c.Name ?? ''));
  const missing = table.map((c) => c.Name ?? '').filter((n) => !fileNames.has(n));
  const typeChanged = file.flatMap((c) => {
    const tableType = tableByName.get(c.Name ?? '');
    return tableType !== undefined && tableType !== c.Type
      ? [{ name: c.Name ?? '', tableType, fileType: c.Type ?? '' }]
      : [];
  });
  if (added.length === 0 && missing.length === 0 && typeChanged.length === 0) return null;
  return { added, missing, typeChanged };
}

const NUMERIC_RANK: Readonly<Record<string, number>> = {
  tinyint: 1,
  smallint: 2,
  int: 3,
  bigint: 4,
  float: 5,
  double: 6,
};

/**
 * The type both `a` and `b` values fit in when one numeric type widens the other
 * (tinyint < smallint < int < bigint < double, float < double); null otherwise.
 */
export function widerType(a: string, b: string): string | null {
  const ra = NUMERIC_RANK[a];
  const rb = NUMERIC_RANK[b];
  if (ra === undefined || rb === undefined) return null;
  if ((a === 'float' && rb === 4) || (b === 'float' && ra === 4)) return 'double';
  return ra >= rb ? a : b;
}

/**
 * The table type of a column when a file with `fileType` joins a table column of `tableType` at
 * the same position; null when Athena could not read one through the other. Numeric types widen
 * (older partitions are coerced); a CSV column that is text in either is text (the OpenCSVSerDe
 * reads every cell as text first).
 */
export function reconcileType(format: LandedFormat, tableType: string, fileType: string): string | null {
  if (tableType === fileType) return tableType;
  const wider = widerType(tableType, fileType);
  if (wider) return wider;
  if (format === 'csv' && (tableType === 'string' || fileType === 'string')) return 'string';
  return null;
}

/** How a file's columns fit a table read by position. */
export type ColumnPlan =
  | {
      readonly fits: true;
      /** The table's columns after the file joins (unchanged when nothing differs). */
      readonly columns: Column[];
      readonly change: SchemaChange | null;
    }
  | { readonly fits: false; readonly reason: string };

/**
 * Athena reads CSV (and these Parquet tables) by position, and maps a partition's columns onto
 * the table's by position too. So a file fits a table only when its columns are the table's, in
 * the same order, with extra columns at the end (appended to the table) or trailing ones missing
 * (read as null), and each shared column's type reconciles ({@link reconcileType}). Anything else
 * (a column dropped or inserted in the middle, a reorder, an incompatible type) would shift values
 * into the wrong columns: such a file needs a new table.
 */
export function planColumns(
  format: LandedFormat,
  table: readonly Column[],
  file: readonly Column[],
): ColumnPlan {
  const columns: Column[] = [];
  for (const [i, t] of table.entries()) {
    const f = file[i];
    if (!f) {
      columns.push(t);
      continue;
    }
    if (f.Name !== t.Name) {
      return {
        fits: false,
        reason: `column ${i + 1} is ${f.Name ?? '?'} in the new file but ${t.Name ?? '?'} in the table, and ${format} is read by position`,
      };
    }
    const type = reconcileType(format, t.Type ?? 'string', f.Type ?? 'string');
    if (!type) {
      return {
        fits: false,
        reason: `column ${t.Name} is ${f.Type ?? '?'} in the new file but ${t.Type ?? '?'} in the table, which Athena cannot read as one column`,
      };
    }
    columns.push(type === t.Type ? t : { ...t, Type: type });
  }
  columns.push(...file.slice(table.length));
  return { fits: true, columns, change: diffColumns(table, file) };
}
