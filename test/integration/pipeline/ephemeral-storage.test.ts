/**
 * LandArtifact's `/tmp` in a pipeline run: the runner gives each function container its own
 * directory bounded by the function's ephemeral storage, and the construct tells the handler the
 * same size. Scaled down to 10 KiB here (both the function's limit and its variable, as the
 * construct sets them from one value): a Parquet artifact that cannot fit fails its scenario with
 * an error naming the setting and the size, the run records it and nothing of it lands; one that
 * fits lands, and the container's `/tmp` is empty afterwards (the spools were removed).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const STORAGE_MB = 0.01;
const h = usePipelineHarness({
  env: { EPHEMERAL_STORAGE_MB: String(STORAGE_MB) },
  runner: { lambdaLimits: { LandArtifact: { ephemeralStorageMb: STORAGE_MB } } },
});

describe("LandArtifact's /tmp bounded by its ephemeral storage in a pipeline run", () => {
  it('fails the scenario whose artifact cannot fit, lands the one that fits, and leaves /tmp empty', async () => {
    await h.putScenarios('spool', {
      scenarios: [
        { name: 'fits', row_count: 20, output_format: 'parquet' },
        { name: 'too-big', row_count: 4000, output_format: 'parquet' },
      ],
    });
    const drop = await h.putSeed('spool', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.error, execution?.cause ?? '').toBe('RunPartiallyFailed');

    const run = await h.repo.getRun(execution!.name);
    expect(run?.status).toBe('PARTIAL');
    expect(run?.scenarioCounts).toMatchObject({ landed: 1, failed: 1 });
    expect(run?.outputs?.map((o) => o.scenario)).toEqual(['fits']);
    expect(run?.failure?.code).toBe('ephemeral_storage_exceeded');
    expect(run?.failure?.message).toMatch(
      /the artifact \(\d+ bytes.*does not fit in \/tmp.*functionOverrides\.LandArtifact\.ephemeralStorageSize/,
    );

    const keys = await h.feedKeys('spool');
    expect(keys.some((key) => key.includes('scenario=fits/'))).toBe(true);
    expect(keys.filter((key) => key.includes('scenario=too-big/'))).toEqual([]);
    expect(await h.outputKeys('_manifests/feed=spool/scenario=too-big/')).toEqual([]);

    const landing = execution!.functions.find((f) => f.functionId === 'LandArtifact');
    expect(landing).toMatchObject({ ephemeralStorageMb: STORAGE_MB, tmpBytesAfter: 0 });
    expect(landing!.peakTmpBytes).toBeGreaterThan(0);
    const containers = h.runner.containers.containersOf('LandArtifact');
    expect(containers.length).toBeGreaterThan(0);
    for (const container of containers) expect(readdirSync(container.dir)).toEqual([]);
  });
});
