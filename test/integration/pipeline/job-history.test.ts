/**
 * The feeds' job history in the state table: the ring stays bounded and concurrent appends keep
 * every sample (moto), and a pipeline run records its training and generation as the vendor timed
 * them, so the feed's next run places its first polls from them and polls less.
 */
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dilatedClock } from '../../../bench/pipeline-run.ts';
import type { JobDurationSample } from '../../../src/pipeline/job-estimate.ts';
import { startMoto, type RunningMoto } from '../../../src/local/moto.ts';
import { JobHistory, jobHistorySk } from '../../../src/state/job-history.ts';
import { feedPk } from '../../../src/state/records.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';
import { createTokenCacheResources } from '../../support/token-cache-moto.ts';

const TABLE = 'job-history';
let moto: RunningMoto;
let dynamo: DynamoDBDocumentClient;

beforeAll(async () => {
  moto = await startMoto();
  dynamo = DynamoDBDocumentClient.from((await createTokenCacheResources(moto, TABLE)).dynamo);
});
afterAll(async () => moto?.stop());

const sample = (runSeconds: number): JobDurationSample => ({
  queueSeconds: 1,
  runSeconds,
  size: 100,
  completedAt: new Date(1_000_000 + runSeconds * 1000).toISOString(),
});

describe('JobHistory on moto', () => {
  it('keeps the newest samples in completion order, bounded by the limit', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo, limit: 3 });
    expect(await history.recent('ring', 'training')).toEqual([]);
    for (const seconds of [10, 20, 30, 40, 50]) await history.record('ring', 'training', sample(seconds));
    expect((await history.recent('ring', 'training')).map((s) => s.runSeconds)).toEqual([30, 40, 50]);
    // Kinds are separate histories.
    expect(await history.recent('ring', 'generation')).toEqual([]);
  });

  it('loses no sample when jobs of a feed finish at the same time', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => history.record('burst', 'generation', sample(100 + i))),
    );
    const seconds = (await history.recent('burst', 'generation')).map((s) => s.runSeconds);
    expect(seconds.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
  });

  it('skips a slot it cannot read instead of failing the run', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo });
    await history.record('odd', 'training', sample(60));
    await dynamo.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: feedPk('odd'), sk: jobHistorySk('training') },
        UpdateExpression: 'SET samples.#s = :bad',
        ExpressionAttributeNames: { '#s': 's7' },
        ExpressionAttributeValues: { ':bad': { seq: 7, runSeconds: 'slow' } },
      }),
    );
    expect((await history.recent('odd', 'training')).map((s) => s.runSeconds)).toEqual([60]);
  });
});

// Jobs of 120 s and 60 s on a clock compressed 1:40 (the simulator's clock runs 40× as fast, the
// runner sleeps each computed wait / 40), as bench/pipeline-run.ts does.
const SCALE = 40;
const h = usePipelineHarness({
  simulator: { now: dilatedClock(SCALE), timings: { trainingMs: 3000, generationMs: 1500 } },
  runner: { pollTimeScale: SCALE },
});

describe('a feed learns its job durations', () => {
  it('records the vendor-timed durations and polls less on its next run', async () => {
    const polls: Array<{ training: number; generation: number }> = [];
    for (const rows of [120, 121]) {
      const drop = await h.putSeed('learning', `seed-${rows}.csv`, exampleSeedCsv(rows));
      const { execution } = await h.runner.runSeedDrop(drop);
      expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
      polls.push({
        training: execution!.taskInvocations.PollTraining ?? 0,
        generation: execution!.taskInvocations.PollGeneration ?? 0,
      });
    }
    const history = new JobHistory({
      tableName: h.names.table,
      dynamo: DynamoDBDocumentClient.from(h.environment.clients.dynamodb),
    });
    const trainings = await history.recent('learning', 'training');
    const generations = await history.recent('learning', 'generation');
    expect(trainings).toHaveLength(2);
    expect(generations).toHaveLength(2);
    // Simulated seconds, as the vendor's timestamps (whole seconds) give them.
    for (const t of trainings) expect(t.runSeconds).toBeGreaterThanOrEqual(115);
    for (const g of generations) expect(g.runSeconds).toBeGreaterThanOrEqual(55);
    expect(trainings[0]!.size).toBe(exampleSeedCsv(120).length);
    expect(generations[0]!.size).toBeGreaterThan(0);
    // First run: the cold schedule (15, 30, 60, 120 s … and 10, 20, 40 s …; the handlers' real time
    // counts 40× on this clock, so one poll fewer may do); next run: the first poll just after the
    // recorded end, at most one tight step more.
    const [cold, warm] = polls as [(typeof polls)[0], (typeof polls)[0]];
    expect(cold.training).toBeGreaterThanOrEqual(3);
    expect(cold.generation).toBeGreaterThanOrEqual(2);
    expect(warm.training).toBeLessThanOrEqual(2);
    expect(warm.generation).toBeLessThanOrEqual(2);
    expect(warm.training + warm.generation).toBeLessThan(cold.training + cold.generation);
  });
});
