/**
 * Athena-style SQL over landed synthetic data, read the way Athena reads it: through the Glue
 * table definitions (columns, SerDe, skipped header lines, index or name mapping, partition
 * locations), with DuckDB as the engine (`athena-reader.ts`). The landed objects must have been
 * copied to a local directory under their S3 keys.
 */
import { join } from 'node:path';
import {
  GetPartitionsCommand,
  GetTablesCommand,
  type GlueClient,
  type Partition,
  type Table,
} from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { AthenaReadError, createAthenaViews, type CatalogTable } from './athena-reader.ts';

export { sqlIdentifier } from './athena-reader.ts';

/** One result row, with DuckDB values converted to JSON-safe ones. */
export type QueryRow = Record<string, string | number | boolean | null>;

export interface LakeCatalog {
  readonly glue: GlueClient;
  readonly database: string;
  /** Bucket the tables' locations point into. */
  readonly bucket: string;
  /** Local directory holding the bucket's objects under their keys. */
  readonly root: string;
  /** Only the tables of this feed (`simulacra.feed`). */
  readonly feed: string;
}

async function feedTables(glue: GlueClient, database: string, feed: string): Promise<Table[]> {
  const tables: Table[] = [];
  let token: string | undefined;
  do {
    const out = await glue.send(new GetTablesCommand({ DatabaseName: database, NextToken: token }));
    tables.push(...(out.TableList ?? []).filter((t) => t.Parameters?.['simulacra.feed'] === feed));
    token = out.NextToken;
  } while (token);
  return tables.sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''));
}

async function partitionsOf(glue: GlueClient, database: string, table: string): Promise<Partition[]> {
  const partitions: Partition[] = [];
  let token: string | undefined;
  do {
    const out = await glue.send(
      new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: token }),
    );
    partitions.push(...(out.Partitions ?? []));
    token = out.NextToken;
  } while (token);
  return partitions.sort((a, b) => (a.Values ?? []).join('/').localeCompare((b.Values ?? []).join('/')));
}

/** The feed's Glue tables with their partitions. */
export async function loadCatalog(lake: Omit<LakeCatalog, 'root' | 'bucket'>): Promise<CatalogTable[]> {
  const tables = await feedTables(lake.glue, lake.database, lake.feed);
  return Promise.all(
    tables.map(async (table) => ({
      table,
      partitions: await partitionsOf(lake.glue, lake.database, table.Name ?? ''),
    })),
  );
}

function resolver(bucket: string, root: string): (location: string) => string {
  const prefix = `s3://${bucket}/`;
  return (location) => {
    if (!location.startsWith(prefix)) {
      throw new AthenaReadError(
        `location ${location} is outside the bucket ${bucket} that was copied locally`,
      );
    }
    return join(root, location.slice(prefix.length));
  };
}

/** Runs `sql` over views built by {@link createAthenaViews} from `tables`. */
export async function queryTables(
  tables: readonly CatalogTable[],
  resolve: (location: string) => string,
  sql: string,
): Promise<QueryRow[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    await createAthenaViews(connection, tables, resolve);
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

/**
 * Runs `sql` with one view per Glue table of the feed, named after the table
 * (e.g. `SELECT scenario, count(*) FROM "quickstart" GROUP BY ALL`). Arrow IPC files have no
 * table (as in Athena), so they are not queryable.
 */
export async function queryLake(lake: LakeCatalog, sql: string): Promise<QueryRow[]> {
  return queryTables(await loadCatalog(lake), resolver(lake.bucket, lake.root), sql);
}
