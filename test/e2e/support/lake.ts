/**
 * Reading landed data back as a user would in Athena: the feed's objects are copied from the
 * local output bucket into a temporary directory (same keys) and queried with DuckDB through
 * {@link queryLake}, one view per feed over the Hive-partitioned layout.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DATA_PREFIX } from '../../../src/landing/layout.ts';
import { queryLake, type QueryRow } from '../../../src/local/lake-query.ts';
import type { E2ePipeline } from './local-pipeline.ts';
import { outputKeys } from './run-checks.ts';

/** Runs `sql` over everything landed for `feed` (the view is named after the feed). */
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
    return await queryLake(root, sql);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
