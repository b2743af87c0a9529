import { describe, expect, it } from 'vitest';
import {
  estimateFromPrior,
  estimateJob,
  feedJobEstimate,
  firstWaitSeconds,
  nextWaitSeconds,
  type JobDurationSample,
  type JobEstimate,
  type JobHistoryReader,
  type JobProgress,
} from '../../../src/pipeline/job-estimate.ts';
import {
  GENERATION_POLL_POLICY,
  TRAINING_POLL_POLICY,
  initialPollState,
} from '../../../src/pipeline/polling.ts';

const sample = (runSeconds: number, size = 1000, queueSeconds = 0): JobDurationSample => ({
  queueSeconds,
  runSeconds,
  size,
  completedAt: '2026-05-01T00:00:00Z',
});

const running = (elapsedSeconds: number, over: Partial<JobProgress> = {}): JobProgress => ({
  elapsedSeconds,
  startedAfterSeconds: 0,
  status: 'running',
  stage: null,
  latePolls: 0,
  ...over,
});

/** Polls until a job of `actual` seconds is found done, as the loop would place them. */
function pollsFor(kind: 'training' | 'generation', estimate: JobEstimate, actual: number): number {
  let elapsed = firstWaitSeconds(estimate);
  let polls = 1;
  while (elapsed < actual) {
    elapsed += nextWaitSeconds(kind, estimate, running(elapsed, { latePolls: polls - 1 }), 120);
    polls += 1;
  }
  return polls;
}

describe('estimateJob', () => {
  it('has nothing to say about a cold feed: the policy schedule applies', () => {
    expect(estimateJob([], 1000)).toBeNull();
    const now = new Date('2026-05-01T00:00:00Z');
    const cold = initialPollState(TRAINING_POLL_POLICY, {
      jobId: 'job_1234',
      completed: false,
      now,
      random: () => 0.5,
      estimate: null,
      size: 5000,
    });
    expect(cold).toMatchObject({ nextWaitSeconds: 15, estimate: null, size: 5000, waitedSeconds: 0 });
    expect(cold.createdAt).toBe(now.toISOString());
  });

  it('places the first poll of a warm feed just after the recorded duration', () => {
    const estimate = estimateJob([sample(300)], 1000)!;
    expect(estimate).toEqual({ queueSeconds: 0, runSeconds: 300, spreadSeconds: 0, samples: 1 });
    // 300 s + max(3 s, 4 %) = 312 s: one poll, where the cold schedule needs 5.
    expect(firstWaitSeconds(estimate)).toBe(312);
    expect(
      initialPollState(GENERATION_POLL_POLICY, {
        jobId: 'job_1234',
        completed: false,
        estimate: estimateJob([sample(120, 100)], 100),
      }).nextWaitSeconds,
    ).toBe(125);
    expect(pollsFor('training', estimate, 300)).toBe(1);
  });

  it('adds the recorded queue time and widens the margin with the spread', () => {
    const estimate = estimateJob(
      [sample(280, 1000, 10), sample(300, 1000, 20), sample(320, 1000, 30), sample(300, 1000, 20)],
      1000,
    )!;
    expect(estimate.queueSeconds).toBe(20);
    expect(estimate.runSeconds).toBe(300);
    expect(estimate.spreadSeconds).toBeCloseTo(14.8, 1);
    // 20 + 300 + 1.5 × 14.8 ≈ 342.2
    expect(firstWaitSeconds(estimate)).toBe(343);
    // The slowest recorded job is still found in one poll.
    expect(pollsFor('training', estimate, 20 + 320)).toBe(1);
  });

  it('ignores outliers: one incident does not move the estimate', () => {
    const history = [...Array.from({ length: 8 }, (_, i) => sample(298 + i)), sample(3000), sample(5)];
    const estimate = estimateJob(history, 1000)!;
    expect(estimate.runSeconds).toBeGreaterThan(298);
    expect(estimate.runSeconds).toBeLessThan(306);
    expect(estimate.spreadSeconds).toBeLessThan(5);
    expect(estimate.samples).toBe(10);
  });

  it('scales by size beyond ±25 %, bounded at 4×', () => {
    expect(estimateJob([sample(100, 1000)], 1200)!.runSeconds).toBe(100);
    expect(estimateJob([sample(100, 1000)], 2000)!.runSeconds).toBe(200);
    expect(estimateJob([sample(100, 1000)], 100_000)!.runSeconds).toBe(400);
    expect(estimateJob([sample(100, 0)], 5000)!.runSeconds).toBe(100);
  });
});

describe('nextWaitSeconds', () => {
  const estimate: JobEstimate = { queueSeconds: 0, runSeconds: 300, spreadSeconds: 0, samples: 3 };

  it('backs off tightly once past the expected end: a tenth of the run, doubling, capped', () => {
    expect(nextWaitSeconds('training', estimate, running(312), 120)).toBe(30);
    expect(nextWaitSeconds('training', estimate, running(342, { latePolls: 1 }), 120)).toBe(60);
    expect(nextWaitSeconds('training', estimate, running(402, { latePolls: 2 }), 120)).toBe(120);
    expect(nextWaitSeconds('training', estimate, running(522, { latePolls: 5 }), 120)).toBe(120);
    // A job 10 % slower than recorded costs one wasted poll, not four.
    expect(pollsFor('training', estimate, 330)).toBe(2);
  });

  it('re-anchors on started_at: a job that queued waits for its whole run', () => {
    // Started 60 s after creation: expected end 60 + 300 + 12 = 372.
    expect(nextWaitSeconds('training', estimate, running(312, { startedAfterSeconds: 60 }), 120)).toBe(60);
  });

  it('takes vendor stage hints as lower bounds only', () => {
    // Still queued at the expected end: the whole run is ahead.
    expect(
      nextWaitSeconds(
        'training',
        estimate,
        running(312, { status: 'queued', startedAfterSeconds: null }),
        120,
      ),
    ).toBe(300);
    // Still reading the seed: at least 95 % of the run is ahead.
    expect(nextWaitSeconds('training', estimate, running(312, { stage: 'reading' }), 120)).toBe(285);
    // The last known stage and unknown (free-text) stages give no hint: the tight step.
    expect(nextWaitSeconds('training', estimate, running(312, { stage: 'training' }), 120)).toBe(30);
    expect(nextWaitSeconds('training', estimate, running(312, { stage: 'polishing' }), 120)).toBe(30);
    expect(nextWaitSeconds('generation', estimate, running(312, { stage: 'encoding' }), 120)).toBe(30);
  });

  it('waits until the expected end when polled early (a throttled first poll, a redrive)', () => {
    expect(nextWaitSeconds('generation', estimate, running(100), 120)).toBe(212);
  });
});

describe('a feed without history: the deployment prior', () => {
  const now = new Date('2026-05-10T00:00:00Z');
  const other = (runSeconds: number, size: number, completedAt = '2026-05-09T00:00:00Z') => ({
    ...sample(runSeconds, size, 4),
    completedAt,
  });
  /** A reader over fixed samples that counts its reads. */
  function reader(own: JobDurationSample[], prior: JobDurationSample[]) {
    const reads: string[] = [];
    const history: JobHistoryReader = {
      recent: (feed) => (reads.push(`feed:${feed}`), Promise.resolve(own)),
      deploymentRecent: (kind) => (reads.push(`deployment:${kind}`), Promise.resolve(prior)),
    };
    return { history, reads };
  }

  it("places the first poll from the feed's own history first, then the prior, then the backoff", async () => {
    const prior = [other(290, 1000), other(300, 1100), other(310, 900)];
    const own = reader([sample(200, 1000)], prior);
    expect(await feedJobEstimate(own.history, 'f', 'training', 1000, now)).toEqual({
      queueSeconds: 0,
      runSeconds: 200,
      spreadSeconds: 0,
      samples: 1,
    });
    // A feed with history reads one item only.
    expect(own.reads).toEqual(['feed:f']);

    const first = reader([], prior);
    const fromPrior = (await feedJobEstimate(first.history, 'f', 'training', 1000, now))!;
    expect(fromPrior).toMatchObject({ queueSeconds: 4, runSeconds: 300, samples: 3, source: 'deployment' });
    expect(first.reads).toEqual(['feed:f', 'deployment:training']);
    // 4 + 300 + max(3, 12, 1.5 × 14.8) = 326.2: one poll for a job like the other feeds'.
    expect(firstWaitSeconds(fromPrior)).toBe(327);
    expect(pollsFor('training', fromPrior, 304)).toBe(1);

    const cold = reader([], []);
    expect(await feedJobEstimate(cold.history, 'f', 'training', 1000, now)).toBeNull();
    expect(await feedJobEstimate(undefined, 'f', 'training', 1000, now)).toBeNull();
    expect(
      initialPollState(TRAINING_POLL_POLICY, { jobId: 'job_1', completed: false, random: () => 0.5 })
        .nextWaitSeconds,
    ).toBe(15);
  });

  it('gives no estimate (the backoff) when a history read fails', async () => {
    const failing = (which: 'own' | 'prior'): JobHistoryReader => ({
      recent: () => (which === 'own' ? Promise.reject(new Error('Throttled')) : Promise.resolve([])),
      deploymentRecent: () => Promise.reject(new Error('Throttled')),
    });
    expect(await feedJobEstimate(failing('own'), 'f', 'training', 1000, now)).toBeNull();
    expect(await feedJobEstimate(failing('prior'), 'f', 'training', 1000, now)).toBeNull();
  });

  it('scales other feeds by size only within 4×, and leaves farther sizes out', () => {
    // Twice the size: linearly scaled, as a feed's own samples are.
    expect(estimateFromPrior([other(100, 1000)], 2000, now)).toMatchObject({ runSeconds: 200 });
    // 10× larger or smaller than every other feed's job: no prior, the backoff.
    expect(estimateFromPrior([other(100, 1000)], 10_000, now)).toBeNull();
    expect(estimateFromPrior([other(100, 1000)], 100, now)).toBeNull();
    // Only the comparable samples count.
    expect(estimateFromPrior([other(100, 1000), other(5000, 1_000_000)], 1000, now)).toMatchObject({
      runSeconds: 100,
      samples: 1,
    });
    // Unknown sizes cannot be compared across feeds.
    expect(estimateFromPrior([other(100, 0)], 1000, now)).toBeNull();
    expect(estimateFromPrior([other(100, 1000)], 0, now)).toBeNull();
  });

  it('ignores stale and undated samples, and outliers as a feed does', () => {
    expect(estimateFromPrior([other(100, 1000, '2026-03-01T00:00:00Z')], 1000, now)).toBeNull();
    expect(estimateFromPrior([other(100, 1000, 'yesterday')], 1000, now)).toBeNull();
    const prior = [...Array.from({ length: 8 }, (_, i) => other(118 + i, 1000)), other(4000, 1000)];
    expect(estimateFromPrior(prior, 1000, now)!.runSeconds).toBeLessThan(125);
  });
});
