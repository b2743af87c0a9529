/**
 * LANDING_SCAN_THREAD: where LandArtifact's stream scan runs (the landing benchmark measures both
 * from the built bundle). Unset leaves the landing's default (a worker thread); `inline` reaches
 * the landing core; anything else fails the configuration, naming the variable.
 */
import { context } from '../../support/lambda-env.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LandArtifactDeps } from '../../../src/landing/land.ts';

const calls: LandArtifactDeps[] = [];
vi.mock('../../../src/landing/land.ts', () => ({
  landArtifact: (deps: LandArtifactDeps) => {
    calls.push(deps);
    return Promise.resolve({
      outputKey: 'k',
      manifestKey: 'm',
      rowsGenerated: 1,
      rowsRequested: 1,
      partial: false,
      bytes: 1,
      conforms: null,
      alreadyLanded: true,
      retentionEndsAt: null,
    });
  },
}));

const { handler } = await import('../../../lambdas/land-artifact.ts');
const { resetConfigForTests } = await import('../../../lambdas/commons/config.ts');
const { resetVendorClientForTests, setVendorClientForTests } =
  await import('../../../lambdas/commons/vendor.ts');
const { fakeApi } = await import('../../support/fake-vendor-api.ts');

const event = {
  runId: 'run_1',
  feed: 'retail-panel',
  scenario: { name: 'baseline', row_count: 3, output_format: 'csv' },
  datasetId: 'ds_1',
  generationId: 'gen_1',
};

beforeEach(() => {
  Object.assign(process.env, {
    OUTPUT_BUCKET_NAME: 'lake',
    OUTPUT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/out',
    QUALITY_GATE: 'off',
  });
  setVendorClientForTests(fakeApi({}));
  calls.length = 0;
});
afterEach(() => {
  delete process.env['LANDING_SCAN_THREAD'];
  resetConfigForTests();
  resetVendorClientForTests();
});

describe('land-artifact LANDING_SCAN_THREAD', () => {
  it('leaves the landing default (a worker thread) when unset', async () => {
    await handler(event, context);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.scanThread).toBeUndefined();
  });

  it.each(['inline', 'worker'] as const)('passes %s to the landing core', async (where) => {
    process.env['LANDING_SCAN_THREAD'] = where;
    await handler(event, context);
    expect(calls[0]?.scanThread).toBe(where);
  });

  it('refuses any other value as a configuration error naming the variable', async () => {
    process.env['LANDING_SCAN_THREAD'] = 'both';
    const err = (await handler(event, context).catch((e: unknown) => e)) as Error & {
      details?: { code?: string };
    };
    expect(calls).toHaveLength(0);
    expect(err.details?.code).toBe('configuration_invalid');
    expect(err.message).toContain('LANDING_SCAN_THREAD');
  });
});
