/**
 * Content addressing of seeds: the sha256 of a seed version's bytes, and the check whether the
 * same bytes already trained a dataset of the feed that is still alive (then the run reuses it:
 * no new training, and on the same day the same generation idempotency keys, so nothing landed
 * is generated or landed again).
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SimulacraApi } from '../client/contract.ts';
import { SimulacraApiError } from '../client/index.ts';
import type { ContentLedger, SeedContentRecord } from '../state/content-ledger.ts';
import { s3SeedSource } from './s3-seed-source.ts';
import type { SeedObject } from './seed-object.ts';

/** A dataset this close to its expiry is not reused (a run needs time to generate from it). */
export const REUSE_MIN_REMAINING_MS = 60 * 60 * 1000;

/** Hex sha256 of the seed version's bytes, streamed from S3 (pinned version). */
export async function seedContentSha256(s3: S3Client, seed: SeedObject): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await s3SeedSource(s3, seed).open()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The UTC day of `date`, `YYYY-MM-DD`. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export interface ReusableDataset {
  readonly earlier: SeedContentRecord;
  readonly requestId: string;
  readonly expiresAt: string | null;
}

/**
 * The live dataset the same bytes trained for this feed, or null (never seen, expired, about to
 * expire, or gone at the vendor). `getDataset` also slides its expiry (contract notes §6).
 */
export async function findReusableDataset(
  deps: { readonly api: SimulacraApi; readonly contents: ContentLedger },
  feed: string,
  sha256: string,
  now: Date,
): Promise<ReusableDataset | null> {
  const earlier = await deps.contents.find(feed, sha256);
  if (!earlier) return null;
  if (earlier.expiresAt && Date.parse(earlier.expiresAt) - now.getTime() < REUSE_MIN_REMAINING_MS)
    return null;
  try {
    const dataset = await deps.api.getDataset(earlier.datasetId);
    if (dataset.expires_at && Date.parse(dataset.expires_at) - now.getTime() < REUSE_MIN_REMAINING_MS) {
      return null;
    }
    return { earlier, requestId: dataset.request_id, expiresAt: dataset.expires_at };
  } catch (err) {
    if (err instanceof SimulacraApiError && err.status === 404) return null;
    throw err;
  }
}
