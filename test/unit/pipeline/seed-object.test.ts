import { describe, expect, it } from 'vitest';
import {
  MAX_SEED_BYTES,
  classifySeedKey,
  datasetIdempotencyKey,
  ingestExecutionName,
  seedIdentity,
} from '../../../src/pipeline/seed-object.ts';

const seed = { bucket: 'b', key: 'seeds/feed-a/x.csv', versionId: 'v1', etag: '"e1"' };

describe('classifySeedKey', () => {
  it('accepts csv and parquet seeds under seeds/<feed>/', () => {
    expect(classifySeedKey('seeds/feed-a/x.csv', 10)).toEqual({
      kind: 'seed',
      seed: { feed: 'feed-a', fileName: 'x.csv', format: 'csv' },
    });
    expect(classifySeedKey('seeds/feed_b/X.PARQUET', 10)).toMatchObject({
      kind: 'seed',
      seed: { format: 'parquet' },
    });
  });

  it('treats scenarios.json as configuration, not a seed', () => {
    expect(classifySeedKey('seeds/feed-a/scenarios.json', 10)).toEqual({
      kind: 'scenario-file',
      feed: 'feed-a',
    });
  });

  it.each([
    ['uploads/feed-a/x.csv', 10, 'outside_seed_prefix'],
    ['seeds/x.csv', 10, 'bad_key_layout'],
    ['seeds/feed-a/sub/x.csv', 10, 'bad_key_layout'],
    ['seeds/Feed A/x.csv', 10, 'invalid_feed_name'],
    ['seeds/feed-a/x.xlsx', 10, 'unsupported_type'],
    ['seeds/feed-a/.csv', 10, 'unsupported_type'],
    ['seeds/feed-a/x.csv', 0, 'empty_file'],
    ['seeds/feed-a/x.csv', MAX_SEED_BYTES + 1, 'file_too_large'],
  ])('rejects %s (%d bytes) as %s with a reason', (key, size, code) => {
    const out = classifySeedKey(key, size);
    expect(out.kind).toBe('rejected');
    if (out.kind === 'rejected') {
      expect(out.rejection.code).toBe(code);
      expect(out.rejection.reason.length).toBeGreaterThan(20);
    }
  });
});

describe('deterministic names', () => {
  it('derives the identity from the version, or the ETag without quotes', () => {
    expect(seedIdentity(seed)).toBe('b/seeds/feed-a/x.csv/v1');
    expect(seedIdentity({ ...seed, versionId: null })).toBe('b/seeds/feed-a/x.csv/etag:e1');
  });

  it('gives a valid, stable dataset Idempotency-Key that changes for re-training', () => {
    const key = datasetIdempotencyKey(seed);
    expect(key).toMatch(/^ds-[0-9a-f]{64}$/);
    expect(key).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    expect(datasetIdempotencyKey({ ...seed })).toBe(key);
    expect(datasetIdempotencyKey(seed, 'ds_old')).not.toBe(key);
    expect(datasetIdempotencyKey({ ...seed, versionId: 'v2' })).not.toBe(key);
  });

  it('gives a valid Step Functions execution name', () => {
    const name = ingestExecutionName('feed-a', seed);
    expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(ingestExecutionName('feed-a', seed)).toBe(name);
    expect(ingestExecutionName('x'.repeat(100), seed).length).toBeLessThanOrEqual(80);
  });
});
