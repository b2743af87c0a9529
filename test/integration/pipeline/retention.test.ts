import { describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness();

describe('generate state machine (scheduled runs)', () => {
  it('reuses the live dataset, and re-trains from the seed once it expired', async () => {
    const drop = await h.putSeed('weekly', 'seed.csv', exampleSeedCsv());
    const ingest = await h.runner.runSeedDrop(drop);
    expect(ingest.execution?.status, ingest.execution?.cause ?? '').toBe('SUCCEEDED');
    const firstDataset = (await h.repo.getFeed('weekly'))!.datasetId!;
    expect(h.simulator.counters().trainings).toBe(1);

    const reuse = await h.runner.execute('generate', { feed: 'weekly' }, 'generate-weekly-1');
    expect(reuse.status, reuse.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters().trainings).toBe(1);
    expect(reuse.taskInvocations.PollTraining ?? 0).toBe(0);
    expect(await h.repo.getRun('generate-weekly-1')).toMatchObject({
      status: 'SUCCEEDED',
      kind: 'generate',
      datasetId: firstDataset,
    });

    h.simulator.operator.expireDataset(firstDataset);
    const retrain = await h.runner.execute('generate', { feed: 'weekly' }, 'generate-weekly-2');
    expect(retrain.status, retrain.cause ?? '').toBe('SUCCEEDED');
    expect(h.simulator.counters().trainings).toBe(2);
    const feed = await h.repo.getFeed('weekly');
    expect(feed?.datasetId).not.toBe(firstDataset);
    expect(await h.repo.getRun('generate-weekly-2')).toMatchObject({
      status: 'SUCCEEDED',
      datasetId: feed?.datasetId,
    });
  });

  it('fails clearly for a feed that never had a seed', async () => {
    const run = await h.runner.execute('generate', { feed: 'nothing' }, 'generate-nothing-1');
    expect(run.status).toBe('FAILED');
    expect(await h.repo.getRun('generate-nothing-1')).toMatchObject({
      status: 'FAILED',
      kind: 'generate',
      failure: { code: 'feed_not_ready' },
    });
  });
});

describe('state repository on DynamoDB (moto)', () => {
  const seedAt = (eventTime: string, versionId: string) => ({
    bucket: 'it-seeds',
    key: 'seeds/order/seed.csv',
    versionId,
    etag: null,
    size: 10,
    eventTime,
  });

  it('keeps the newer seed’s dataset when an older seed finishes training later', async () => {
    const ready = (eventTime: string, datasetId: string) =>
      h.repo.recordDatasetReady({
        feed: 'order',
        seed: seedAt(eventTime, datasetId),
        datasetId,
        createdAt: null,
        expiresAt: null,
        schemaFingerprint: 'f',
        runId: `run-${datasetId}`,
      });
    expect(await ready('2026-05-02T00:00:00Z', 'ds_new')).toBe(true);
    expect(await ready('2026-05-01T00:00:00Z', 'ds_old')).toBe(false);
    expect((await h.repo.getFeed('order'))?.datasetId).toBe('ds_new');
  });

  it('finishes a run once: the same outcome replays, a different one is refused', async () => {
    await h.repo.createRun({ runId: 'once', kind: 'ingest', feed: 'order', status: 'QUEUED' });
    const first = await h.repo.finishRun({ runId: 'once', kind: 'ingest', feed: 'order', status: 'FAILED' });
    const replay = await h.repo.finishRun({ runId: 'once', kind: 'ingest', feed: 'order', status: 'FAILED' });
    expect(replay.finishedAt).toBe(first.finishedAt);
    await expect(
      h.repo.finishRun({ runId: 'once', kind: 'ingest', feed: 'order', status: 'SUCCEEDED' }),
    ).rejects.toMatchObject({ name: 'RunTransitionError' });
    expect(await h.repo.markEventsPublished('once')).toBe(true);
    expect(await h.repo.markEventsPublished('once')).toBe(false);
    const runs = await h.repo.listFeedRuns('order');
    expect(runs[0]).toMatchObject({ runId: 'once', status: 'FAILED' });
  });
});
