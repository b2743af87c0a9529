/** Shared fixtures of the catalog tests. */
import type { LandingManifest } from '../../../src/landing/manifest.ts';

/** A landing manifest of one `retail-panel`/`baseline` generation, as `land-artifact` writes it. */
export function landingManifest(overrides: Partial<LandingManifest> = {}): LandingManifest {
  return {
    manifestVersion: 1,
    runId: 'run_1',
    feed: 'retail-panel',
    scenarioName: 'baseline',
    dt: '2026-05-01',
    datasetId: 'ds_1',
    generationId: 'gen_1',
    requestIds: {},
    bucket: 'lake',
    outputKey: 'synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-01/generation=gen_1/gen_1.parquet',
    format: 'parquet',
    contentType: 'application/vnd.apache.parquet',
    rowsRequested: 3,
    rowsGenerated: 3,
    partial: false,
    bytes: 10,
    sha256: 'a'.repeat(64),
    columns: [
      { name: 'id', type: 'int' },
      { name: 'Segment', type: 'string' },
    ],
    artifactEncryption: 'managed',
    scenario: { name: 'baseline' },
    requestedConditions: null,
    clamps: null,
    mappings: null,
    conformance: null,
    generationCreatedAt: '2026-05-01T17:31:00Z',
    generationExpiresAt: '2026-05-02T17:31:00Z',
    landedAt: '2026-05-01T18:00:00Z',
    ...overrides,
  };
}
