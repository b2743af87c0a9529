/**
 * Athena-style SQL over the quality metrics table on the local stack, read through its Glue
 * definition as Athena would: the table's location, SerDe and columns come from Glue (moto);
 * every object under the location is read with the JSON SerDe's rules (columns by name, missing
 * fields null, unknown fields ignored, column types as declared).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { JSON_SERDE } from '../quality/metrics-table.ts';
import { sqlIdentifier, type QueryRow } from './lake-query.ts';

const DUCKDB_TYPES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  bigint: 'BIGINT',
  double: 'DOUBLE',
};

/** The Glue table is not one this reader (or Athena's JSON SerDe) can read as declared. */
export class GlueTableReadError extends Error {
  override readonly name = 'GlueTableReadError';
}

function parseLocation(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (!match) throw new GlueTableReadError(`table location "${location}" is not an s3:// URI`);
  const prefix = match[2] ?? '';
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

async function download(s3: S3Client, bucket: string, prefix: string, dir: string): Promise<number> {
  let token: string | undefined;
  let n = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      if (!item.Key || item.Key.endsWith('/')) continue;
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
      writeFileSync(
        join(dir, `${n++}.json`),
        (await object.Body?.transformToByteArray()) ?? new Uint8Array(),
      );
    }
    token = page.NextContinuationToken;
  } while (token);
  return n;
}

/**
 * Runs `sql` with one view named after the Glue table `database.table` (e.g.
 * `SELECT scenario, fidelity_score FROM quality_metrics WHERE NOT published`).
 */
export async function queryGlueJsonTable(
  clients: { glue: GlueClient; s3: S3Client },
  database: string,
  table: string,
  sql: string,
): Promise<QueryRow[]> {
  const { Table } = await clients.glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
  const descriptor = Table?.StorageDescriptor;
  if (!descriptor?.Location) throw new GlueTableReadError(`table ${database}.${table} has no location`);
  if (descriptor.SerdeInfo?.SerializationLibrary !== JSON_SERDE) {
    throw new GlueTableReadError(`table ${database}.${table} is not read with ${JSON_SERDE}`);
  }
  const columns = (descriptor.Columns ?? []).map((c) => {
    const type = DUCKDB_TYPES[c.Type ?? ''];
    if (!c.Name || !/^[a-z0-9_]+$/.test(c.Name) || !type) {
      throw new GlueTableReadError(`column ${String(c.Name)} (${String(c.Type)}) is not Athena-safe`);
    }
    return [c.Name, type] as const;
  });
  const { bucket, prefix } = parseLocation(descriptor.Location);
  const dir = mkdtempSync(join(tmpdir(), 'glue-json-'));
  const instance = await DuckDBInstance.create(':memory:');
  try {
    mkdirSync(dir, { recursive: true });
    const files = await download(clients.s3, bucket, prefix, dir);
    const connection = await instance.connect();
    const struct = columns.map(([name, type]) => `${name}: '${type}'`).join(', ');
    const select =
      files === 0
        ? `SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${name}`).join(', ')} WHERE false`
        : `SELECT ${columns.map(([name]) => name).join(', ')} FROM read_json('${dir}/*.json', format = 'newline_delimited', columns = {${struct}})`;
    await connection.run(`CREATE VIEW ${sqlIdentifier(table)} AS ${select}`);
    const reader = await connection.runAndReadAll(sql);
    // JSON rows carry 64-bit integers as text; counts here are far below 2^53.
    return reader
      .getRowObjects()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([key, value]) => [
            key,
            typeof value === 'bigint'
              ? Number(value)
              : value === null || typeof value !== 'object'
                ? value
                : JSON.stringify(value),
          ]),
        ),
      );
  } finally {
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}
