/**
 * What a landed format looks like in the Glue Data Catalog: table names, storage descriptors
 * (SerDe, input/output formats) and column lists, plus the schema-evolution rule applied when a
 * later seed changes the columns.
 */
import type { Column, StorageDescriptor } from '@aws-sdk/client-glue';
import type { LandedColumn } from '../landing/columns.ts';
import type { LandedFormat } from '../landing/layout.ts';

/** Partition keys of every feed table, in path order. */
export const PARTITION_KEYS: readonly Column[] = [
  { Name: 'scenario', Type: 'string', Comment: 'scenario name from scenarios.json' },
  { Name: 'dt', Type: 'string', Comment: 'UTC date (YYYY-MM-DD) the generation was created' },
];

/** Why a format gets no table, or null when Athena can read it. */
export function unqueryableReason(format: LandedFormat): string | null {
  return format === 'arrow'
    ? 'Arrow IPC files are not readable by Athena or any Glue SerDe; the data is landed but no table is registered (choose parquet or csv to query it)'
    : null;
}

/**
 * Glue/Athena table name for a feed: lower-case, characters outside `[a-z0-9_]` become `_`, a
 * leading digit gets a `feed_` prefix. A feed that lands a second format gets `<name>_<format>`.
 */
export function tableNameFor(feed: string, suffix?: string): string {
  let name = feed.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (!/^[a-z_]/.test(name)) name = `feed_${name}`;
  if (suffix) name = `${name}_${suffix}`;
  return name.slice(0, 255);
}

/**
 * Glue column list for landed columns (Glue stores names lower-case; Athena matches Parquet
 * columns by name). CSV columns with empty cells are declared `string`: the OpenCSVSerDe cannot
 * read an empty cell as a number or boolean.
 */
export function glueColumns(format: LandedFormat, columns: readonly LandedColumn[]): Column[] {
  return columns.map((c) => ({
    Name: c.name.toLowerCase(),
    Type: format === 'csv' && c.hasNulls ? 'string' : c.type,
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
        Parameters: { 'serialization.format': '1' },
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

/** Union of two column lists: `base` in order, then the columns only `extra` has. */
export function unionColumns(base: readonly Column[], extra: readonly Column[]): Column[] {
  const names = new Set(base.map((c) => c.Name));
  return [...base, ...extra.filter((c) => !names.has(c.Name))];
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
