/**
 * The feeds' job history in the state table: the ring stays bounded and concurrent appends keep
 * every sample (moto), and a pipeline run records its training and generation as the vendor timed
 * them, so the feed's next run places its first polls from them and polls less. The deployment
 * prior (each feed's latest job) stays bounded whatever it is given, and places the first polls of
 * a new feed's first run; every call of those runs is judged against the functions' IAM roles.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dilatedClock } from '../../../bench/pipeline-run.ts';
import type { JobDurationSample } from '../../../src/pipeline/job-estimate.ts';
import {
  DEPLOYMENT_PK,
  JOB_PRIOR_SLOTS,
  JobHistory,
  jobHistorySk,
  jobPriorSlot,
} from '../../../src/state/job-history.ts';
import { feedPk } from '../../../src/state/records.ts';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';
import { useMotoStateTable } from '../../support/token-cache-moto.ts';

const TABLE = 'job-history';
const local = useMotoStateTable(TABLE);

const sample = (runSeconds: number): JobDurationSample => ({
  queueSeconds: 1,
  runSeconds,
  size: 100,
  completedAt: new Date(1_000_000 + runSeconds * 1000).toISOString(),
});

describe('JobHistory on moto', () => {
  it('keeps the newest samples in completion order, bounded by the limit', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo: local.dynamo, limit: 3 });
    expect(await history.recent('ring', 'training')).toEqual([]);
    for (const seconds of [10, 20, 30, 40, 50]) await history.record('ring', 'training', sample(seconds));
    expect((await history.recent('ring', 'training')).map((s) => s.runSeconds)).toEqual([30, 40, 50]);
    // Kinds are separate histories.
    expect(await history.recent('ring', 'generation')).toEqual([]);
  });

  it('loses no sample when jobs of a feed finish at the same time', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo: local.dynamo });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => history.record('burst', 'generation', sample(100 + i))),
    );
    const seconds = (await history.recent('burst', 'generation')).map((s) => s.runSeconds);
    expect(seconds.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
  });

  it('appends with one write when it knows the counter (a new feed, or the one it wrote last), two when another container wrote since', async () => {
    const sent: string[] = [];
    const counting = (): DynamoDBDocumentClient =>
      ({
        send: (command: UpdateCommand) => {
          sent.push(command.input.ConditionExpression ?? 'unconditional');
          return local.dynamo.send(command);
        },
      }) as unknown as DynamoDBDocumentClient;
    const a = new JobHistory({ tableName: TABLE, dynamo: counting(), limit: 3 });
    const b = new JobHistory({ tableName: TABLE, dynamo: counting(), limit: 3 });
    await a.record('alternate', 'training', sample(10));
    await a.record('alternate', 'training', sample(20));
    expect(sent).toEqual(['attribute_not_exists(seq)', 'seq = :expected']);
    sent.length = 0;
    // b never saw the feed: its guess (a new feed) loses and returns the counter.
    await b.record('alternate', 'training', sample(30));
    expect(sent).toEqual(['attribute_not_exists(seq)', 'seq = :expected']);
    sent.length = 0;
    // a's remembered counter is stale now: one lost write, then its slot.
    await a.record('alternate', 'training', sample(40));
    expect(sent).toEqual(['seq = :expected', 'seq = :expected']);
    expect((await a.recent('alternate', 'training')).map((s) => s.runSeconds)).toEqual([20, 30, 40]);
  });

  it('skips a slot it cannot read instead of failing the run', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo: local.dynamo });
    await history.record('odd', 'training', sample(60));
    await local.dynamo.send(
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

describe('the deployment prior on moto', () => {
  const priorKey = (kind: 'training' | 'generation') => ({ pk: DEPLOYMENT_PK, sk: jobHistorySk(kind) });

  it("keeps each feed's latest job in a bounded number of slots", async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo: local.dynamo });
    expect(await history.deploymentRecent('training')).toEqual([]);
    await history.recordForDeployment('alpha', 'training', sample(100));
    await history.recordForDeployment('alpha', 'training', sample(110));
    await history.recordForDeployment('beta', 'training', sample(90));
    // alpha's newer job replaced its older one; oldest first.
    expect((await history.deploymentRecent('training')).map((s) => s.runSeconds)).toEqual([90, 110]);
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => history.recordForDeployment(`feed-${i}`, 'training', sample(i))),
    );
    const item = await local.dynamo.send(new GetCommand({ TableName: TABLE, Key: priorKey('training') }));
    const slots = Object.keys(item.Item ?? {}).filter((k) => k.startsWith('slot'));
    expect(slots.length).toBeLessThanOrEqual(JOB_PRIOR_SLOTS);
    expect((await history.deploymentRecent('training')).length).toBe(slots.length);
    expect(JSON.stringify(item.Item).length).toBeLessThan(8 * 1024);
    expect(await history.deploymentRecent('generation')).toEqual([]);
  });

  it('reads past a corrupt or oversized item, and refuses to write a sample that would bloat it', async () => {
    const history = new JobHistory({ tableName: TABLE, dynamo: local.dynamo });
    expect(new Set(['corrupt', 'bloated', 'good'].map(jobPriorSlot)).size).toBe(3);
    // An item near DynamoDB's 400 KB limit: another writer's 390 KB attribute, a corrupt slot, a
    // slot with a giant timestamp, one good slot.
    await local.dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...priorKey('generation'),
          junk: 'x'.repeat(390 * 1024),
          [jobPriorSlot('corrupt')]: { runSeconds: 'slow' },
          [jobPriorSlot('bloated')]: { ...sample(70), completedAt: 'y'.repeat(4000) },
          [jobPriorSlot('good')]: sample(60),
        },
      }),
    );
    // Only the slots are projected: the junk is never read, the bad slots are skipped.
    expect((await history.deploymentRecent('generation')).map((s) => s.runSeconds)).toEqual([60]);
    await expect(
      history.recordForDeployment('bloated', 'generation', { ...sample(70), completedAt: 'z'.repeat(4000) }),
    ).rejects.toThrow();
    // A write that would take the item past 400 KB is refused by DynamoDB, not half-applied;
    // PollJob logs it (JobPriorWriteFailures) and the run goes on (test/unit/lambdas/poll-job.test.ts).
    await expect(
      local.dynamo.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: priorKey('generation'),
          UpdateExpression: 'SET more = :more',
          ExpressionAttributeValues: { ':more': 'x'.repeat(20 * 1024) },
        }),
      ),
    ).rejects.toThrow(/size/i);
    await history.recordForDeployment('good', 'generation', sample(65));
    expect((await history.deploymentRecent('generation')).map((s) => s.runSeconds)).toEqual([65]);
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
  it("records the vendor-timed durations and polls less on its next run, and a new feed's first run polls by them", async () => {
    const polls: Array<{ training: number; generation: number }> = [];
    // The deployment's first run, the feed's next one, then another feed's first run.
    for (const [feed, rows] of [
      ['learning', 120],
      ['learning', 121],
      ['newcomer', 130],
    ] as const) {
      const drop = await h.putSeed(feed, `seed-${rows}.csv`, exampleSeedCsv(rows));
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
    const [cold, warm, newcomer] = polls as [(typeof polls)[0], (typeof polls)[0], (typeof polls)[0]];
    expect(cold.training).toBeGreaterThanOrEqual(3);
    expect(cold.generation).toBeGreaterThanOrEqual(2);
    expect(warm.training).toBeLessThanOrEqual(2);
    expect(warm.generation).toBeLessThanOrEqual(2);
    expect(warm.training + warm.generation).toBeLessThan(cold.training + cold.generation);
    // The new feed had no history of its own: its first polls came from the deployment prior
    // (PollJob wrote each feed's latest job there; UploadSeed and CreateGeneration read it).
    expect(newcomer.training).toBeLessThanOrEqual(2);
    expect(newcomer.generation).toBeLessThanOrEqual(2);
    expect(newcomer.training + newcomer.generation).toBeLessThan(cold.training + cold.generation);
    const prior = await history.deploymentRecent('training');
    expect(prior.map((s) => s.size).sort()).toEqual(
      [exampleSeedCsv(121).length, exampleSeedCsv(130).length].sort(),
    );
    expect(await history.deploymentRecent('generation')).toHaveLength(2);
    // Judged by IAM: the prior's UpdateItem (PollJob) and GetItem (UploadSeed, CreateGeneration)
    // on the state table were allowed by the functions' run-state statement; nothing was refused.
    const judged = h.environment.iam.calls();
    expect(h.environment.iam.denied()).toEqual([]);
    for (const [functionId, action] of [
      ['PollJob', 'dynamodb:UpdateItem'],
      ['UploadSeed', 'dynamodb:GetItem'],
      ['CreateGeneration', 'dynamodb:GetItem'],
    ]) {
      const calls = judged.filter((c) => c.functionId === functionId && c.action === action);
      expect(calls.length, `${functionId} ${action}`).toBeGreaterThan(0);
      expect(
        calls.every((c) => c.allowedBy.includes('RunState')),
        `${functionId} ${action}`,
      ).toBe(true);
    }
  });
});
