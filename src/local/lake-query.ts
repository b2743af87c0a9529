/**
 * Athena-style SQL over landed synthetic data on the local disk, with DuckDB: one view per feed
 * over the Hive-partitioned layout `synthetic/feed=<feed>/scenario=<name>/dt=<day>/<file>`, so
 * the demo can show the same query a user would run in Athena once the Glue table exists.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/** One result row, with DuckDB values converted to JSON-safe ones. */
export type QueryRow = Record<string, string | number | boolean | null>;

/** The file formats DuckDB reads offline, by landed file extension. */
const readers: Readonly<Record<string, (glob: string) => string>> = {
  parquet: (glob) => `read_parquet('${glob}', hive_partitioning = true, union_by_name = true)`,
  csv: (glob) => `read_csv_auto('${glob}', hive_partitioning = true, union_by_name = true)`,
};

/** A SQL string literal body with quotes doubled. */
function sqlText(text: string): string {
  return text.replaceAll("'", "''");
}

/** A SQL identifier, always quoted (cleaned vendor names contain dots). */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function extensionsUnder(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const child = join(path, entry);
      if (statSync(child).isDirectory()) walk(child);
      else found.add(entry.slice(entry.lastIndexOf('.') + 1).toLowerCase());
    }
  };
  if (existsSync(dir)) walk(dir);
  return found;
}

/**
 * Runs `sql` with one view per feed found under `root/synthetic/`, named after the feed
 * (e.g. `SELECT scenario, count(*) FROM "quickstart" GROUP BY ALL`). Arrow IPC files are not
 * queryable (as in Athena) and are left out of the views.
 */
export async function queryLake(root: string, sql: string): Promise<QueryRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const syntheticDir = join(root, 'synthetic');
    const feeds = existsSync(syntheticDir)
      ? readdirSync(syntheticDir)
          .filter((entry) => entry.startsWith('feed='))
          .map((entry) => entry.slice('feed='.length))
      : [];
    for (const feed of feeds) {
      const feedDir = join(syntheticDir, `feed=${feed}`);
      const selects = [...extensionsUnder(feedDir)]
        .filter((ext) => ext in readers)
        .map((ext) => `SELECT * FROM ${readers[ext]?.(sqlText(`${feedDir}/*/*/*.${ext}`)) ?? ''}`);
      if (selects.length === 0) continue;
      await connection.run(`CREATE VIEW ${sqlIdentifier(feed)} AS ${selects.join(' UNION ALL BY NAME ')}`);
    }
    const reader = await connection.runAndReadAll(sql);
    return reader
      .getRowObjectsJson()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([key, value]) => [
            key,
            value === null || typeof value !== 'object' ? value : JSON.stringify(value),
          ]),
        ),
      );
  } finally {
    instance.closeSync();
  }
}
