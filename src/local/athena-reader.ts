/**
 * An Athena-like reader: turns Glue table definitions and their partitions into DuckDB views that
 * read the landed files the way Athena would read them through that catalog, so that a catalog
 * Athena would misread is misread (or refused) locally too:
 *
 * - names: a table or column name outside `[a-z0-9_]` is refused, as Athena refuses it;
 * - partitions: each partition is read from its own `Location` with its own storage descriptor
 *   (columns, SerDe and its parameters); partition key values come from the partition;
 * - partition columns map onto table columns by position for CSV and index-access Parquet, by
 *   name for Parquet read by name; overlapping types must be coercible
 *   (`HIVE_PARTITION_SCHEMA_MISMATCH` otherwise);
 * - OpenCSVSerDe: fields by position, `skip.header.line.count` lines skipped, every cell text
 *   (empty cells are empty strings), cast to the column type (a cell that does not parse fails
 *   the query, as `HIVE_BAD_DATA` does); fields missing at the end of a record read null;
 * - Parquet: columns matched by name (case-insensitively) unless the SerDe sets
 *   `parquet.column.index.access=true`, then by position; a column the file lacks reads null.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Column, Partition, StorageDescriptor, Table } from '@aws-sdk/client-glue';

/** A Glue table with its registered partitions. */
export interface CatalogTable {
  readonly table: Table;
  readonly partitions: readonly Partition[];
}

/** Maps an S3 location (`s3://bucket/prefix/`) to the local directory holding its objects. */
export type LocationResolver = (location: string) => string;

/** What Athena would answer for a catalog it cannot read (the message names Athena's error). */
export class AthenaReadError extends Error {
  override readonly name = 'AthenaReadError';
}

const ATHENA_NAME = /^[a-z0-9_]{1,255}$/;
const OPEN_CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';
const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';

const SCALAR_TYPES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  integer: 'INTEGER',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  double: 'DOUBLE',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};
const NUMERIC_RANK: Readonly<Record<string, number>> = {
  tinyint: 1,
  smallint: 2,
  int: 3,
  integer: 3,
  bigint: 4,
  float: 5,
  double: 6,
};

/** A SQL identifier, always quoted. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal. */
function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** DuckDB type of a Hive type, or null for complex types (read as they are). */
function duckType(hiveType: string): string | null {
  const t = hiveType.trim().toLowerCase();
  if (/^(?:var)?char\(\d+\)$/.test(t)) return 'VARCHAR';
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  return SCALAR_TYPES[t] ?? null;
}

/** Athena coerces a partition column of `from` to a table column of `to`. */
function coercible(from: string, to: string): boolean {
  if (from === to || to === 'string') return true;
  const a = NUMERIC_RANK[from];
  const b = NUMERIC_RANK[to];
  return a !== undefined && b !== undefined && a <= b && !(from === 'bigint' && to === 'float');
}

function checkName(kind: string, name: string | undefined, where: string): string {
  if (!name || !ATHENA_NAME.test(name)) {
    throw new AthenaReadError(
      `HIVE_INVALID_METADATA: ${kind} name "${name ?? ''}" of ${where} is not a valid Athena name (only a-z, 0-9 and _)`,
    );
  }
  return name;
}

/** Data files under `dir` (recursively), skipping Hive's hidden `_`/`.` files. */
function dataFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry.startsWith('_') || entry.startsWith('.')) return [];
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? dataFiles(path) : [path];
  });
}

/** Fields of the first record of a CSV file (quotes respected). */
function csvWidth(file: string, separator: string, quote: string): number {
  const text = readFileSync(file, 'utf8').slice(0, 1 << 20);
  let fields = 1;
  let quoted = false;
  for (const char of text) {
    if (char === quote) quoted = !quoted;
    else if (!quoted && char === separator) fields += 1;
    else if (!quoted && (char === '\n' || char === '\r')) break;
  }
  return text.length === 0 ? 0 : fields;
}

interface ReadContext {
  readonly table: Table;
  readonly tableColumns: readonly Column[];
  readonly partition: Partition;
  readonly sd: StorageDescriptor;
  readonly where: string;
}

/** Maps each table column to the index of its partition column (or -1), checking types. */
function partitionMapping(ctx: ReadContext, byName: boolean): number[] {
  const partitionColumns = ctx.sd.Columns ?? [];
  return ctx.tableColumns.map((column, i) => {
    const j = byName ? partitionColumns.findIndex((p) => p.Name === column.Name) : i;
    const p = partitionColumns[j];
    if (!p) return -1;
    if (!coercible(p.Type ?? 'string', column.Type ?? 'string')) {
      throw new AthenaReadError(
        `HIVE_PARTITION_SCHEMA_MISMATCH: ${ctx.where}: column ${column.Name ?? '?'} is ${column.Type ?? '?'} in the table but ${p.Type ?? '?'} in the partition`,
      );
    }
    return j;
  });
}

function castTo(expr: string, hiveType: string | undefined): string {
  const type = duckType(hiveType ?? 'string');
  return type ? `CAST(${expr} AS ${type})` : expr;
}

function partitionKeyColumns(ctx: ReadContext): string[] {
  return (ctx.table.PartitionKeys ?? []).map((key, i) => {
    const value = ctx.partition.Values?.[i];
    const literal = value === undefined ? 'NULL' : sqlString(value);
    return `${castTo(literal, key.Type)} AS ${sqlIdentifier(key.Name ?? '')}`;
  });
}

function serdeParameter(ctx: ReadContext, key: string): string | undefined {
  return (
    ctx.sd.SerdeInfo?.Parameters?.[key] ??
    ctx.sd.Parameters?.[key] ??
    ctx.table.StorageDescriptor?.SerdeInfo?.Parameters?.[key] ??
    ctx.table.Parameters?.[key]
  );
}

async function parquetSelect(connection: DuckDBConnection, ctx: ReadContext, file: string): Promise<string> {
  const source = `read_parquet(${sqlString(file)})`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const fileColumns = described.getColumns()[0]?.map((name) => `${name as string}`) ?? [];
  const byIndex = serdeParameter(ctx, 'parquet.column.index.access') === 'true';
  const mapping = partitionMapping(ctx, !byIndex);
  const exprs = ctx.tableColumns.map((column, i) => {
    let fileName: string | undefined;
    if (mapping[i]! >= 0) {
      fileName = byIndex
        ? fileColumns[mapping[i]!]
        : fileColumns.find((f) => f.toLowerCase() === column.Name?.toLowerCase());
    }
    const value = fileName === undefined ? 'NULL' : `f.${sqlIdentifier(fileName)}`;
    return `${castTo(value, column.Type)} AS ${sqlIdentifier(column.Name ?? '')}`;
  });
  return `SELECT ${[...exprs, ...partitionKeyColumns(ctx)].join(', ')} FROM ${source} AS f`;
}

function csvSelect(ctx: ReadContext, file: string): string {
  const separator = serdeParameter(ctx, 'separatorChar') ?? ',';
  const quote = serdeParameter(ctx, 'quoteChar') ?? '"';
  const escape = serdeParameter(ctx, 'escapeChar') ?? '\\';
  const skip = Number(serdeParameter(ctx, 'skip.header.line.count') ?? '0');
  const width = Math.max(csvWidth(file, separator, quote), (ctx.sd.Columns ?? []).length, 1);
  const names = Array.from({ length: width }, (_, i) => `c${i}`);
  const source =
    `read_csv(${sqlString(file)}, header = false, auto_detect = false, skip = ${skip}, ` +
    `delim = ${sqlString(separator)}, quote = ${sqlString(quote)}, escape = ${sqlString(escape)}, ` +
    `null_padding = true, columns = {${names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}}, ` +
    `force_not_null = [${names.map(sqlString).join(', ')}])`;
  const mapping = partitionMapping(ctx, false);
  const exprs = ctx.tableColumns.map((column, i) => {
    const j = mapping[i]!;
    const value = j >= 0 ? `f.${sqlIdentifier(names[j]!)}` : 'NULL';
    return `${castTo(value, column.Type)} AS ${sqlIdentifier(column.Name ?? '')}`;
  });
  return `SELECT ${[...exprs, ...partitionKeyColumns(ctx)].join(', ')} FROM ${source} AS f`;
}

function emptySelect(table: Table, tableColumns: readonly Column[]): string {
  const columns = [...tableColumns, ...(table.PartitionKeys ?? [])].map(
    (c) => `${castTo('NULL', c.Type)} AS ${sqlIdentifier(c.Name ?? '')}`,
  );
  return `SELECT ${columns.join(', ')} WHERE false`;
}

/**
 * Creates one DuckDB view per Glue table (named after the table) that reads its partitions as
 * Athena would. Throws {@link AthenaReadError} where Athena would refuse the table.
 */
export async function createAthenaViews(
  connection: DuckDBConnection,
  tables: readonly CatalogTable[],
  resolve: LocationResolver,
): Promise<void> {
  for (const { table, partitions } of tables) {
    const name = checkName('table', table.Name, 'the database');
    const tableColumns = table.StorageDescriptor?.Columns ?? [];
    for (const c of [...tableColumns, ...(table.PartitionKeys ?? [])])
      checkName('column', c.Name, `table ${name}`);
    const selects: string[] = [];
    for (const partition of partitions) {
      const sd = partition.StorageDescriptor ?? table.StorageDescriptor ?? {};
      const where = `table ${name} partition ${(partition.Values ?? []).join('/')}`;
      for (const c of sd.Columns ?? []) checkName('column', c.Name, where);
      const ctx: ReadContext = { table, tableColumns, partition, sd, where };
      const serde = sd.SerdeInfo?.SerializationLibrary ?? '';
      for (const file of dataFiles(resolve(sd.Location ?? ''))) {
        if (serde === PARQUET_SERDE) selects.push(await parquetSelect(connection, ctx, file));
        else if (serde === OPEN_CSV_SERDE) selects.push(csvSelect(ctx, file));
        else throw new AthenaReadError(`${where}: SerDe "${serde}" is not one this reader knows`);
      }
    }
    const body = selects.length > 0 ? selects.join(' UNION ALL ') : emptySelect(table, tableColumns);
    await connection.run(`CREATE VIEW ${sqlIdentifier(name)} AS ${body}`);
  }
}
