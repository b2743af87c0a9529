import { beforeEach, describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();
beforeEach(() => {
  h.simulator.setFaults(undefined);
  h.simulator.resetCounters();
});

describe('ingest under vendor trouble', () => {
  it('rides out 429/503 storms without duplicate work', async () => {
    h.simulator.setFaults(
      'POST /v1/datasets:503x2;GET /v1/jobs/*:429x1@retry=1;' +
        'POST /v1/datasets/*/generations:503x1;GET /v1/generations/*:429x1@retry=1',
    );
    const drop = await h.putSeed('storm', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    const counters = h.simulator.counters();
    expect(Object.values(counters.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    expect(counters.trainings).toBe(1);
    expect(counters.generationsExecuted).toBe(1);
    expect(counters.duplicateWork).toBe(0);
  });

  it('fetches a fresh download URL when the first one expired before landing', async () => {
    h.simulator.setFaults('download:expire=1s;GET /v1/generations/*/download:latency=1500msx1');
    const drop = await h.putSeed('expiry', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    expect(
      h.simulator.counters().calls['GET /v1/generations/{generation_id}/download'],
    ).toBeGreaterThanOrEqual(2);
  });

  it('records a failed training job with its vendor code and emits the failure', async () => {
    h.simulator.setFaults('job:fail=simio_training_failed@type=dataset');
    const drop = await h.putSeed('badtrain', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('VendorTerminalError');
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({
      status: 'FAILED',
      failure: { code: 'simio_training_failed', error: 'VendorTerminalError' },
    });
    expect(run?.failure?.job_id).toMatch(/^job_/);
    expect(run?.failure?.dataset_id).toBeTruthy();
    expect(run?.eventsPublishedAt).toBeTruthy();
  });
});
