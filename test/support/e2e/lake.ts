/**
 * Reading landed data back as a user would in Athena: the feed's objects are copied from the
 * local output bucket into a temporary directory (same keys) and queried with DuckDB through
 * {@link queryLake}, which reads them through the feed's Glue tables (one view per table).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DATA_PREFIX } from '../../../src/landing/layout.ts';
import { queryLake, type QueryRow } from '../../../src/local/lake-query.ts';
import type { E2ePipeline } from './local-pipeline.ts';
import { outputKeys } from './run-checks.ts';

/** Runs `sql` over the Glue tables of `feed` (each view is named after its table). */
export async function queryLanded(p: E2ePipeline, feed: string, sql: string): Promise<QueryRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'e2e-lake-'));
  try {
    for (const key of await outputKeys(p, `${DATA_PREFIX}/feed=${feed}/`)) {
      const object = await p.env.clients.s3.send(
        new GetObjectCommand({ Bucket: p.env.names.outputBucket, Key: key }),
      );
      const file = join(root, key);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
    }
    const lake = {
      glue: p.env.clients.glue,
      database: p.env.names.glueDatabase,
      bucket: p.env.names.outputBucket,
      root,
      feed,
    };
    return await queryLake(lake, sql);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
