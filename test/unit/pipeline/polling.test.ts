import { describe, expect, it } from 'vitest';
import {
  GENERATION_POLL_POLICY,
  TRAINING_POLL_POLICY,
  initialPollState,
  nextPollDelaySeconds,
} from '../../../src/pipeline/polling.ts';

describe('nextPollDelaySeconds', () => {
  const mid = (): number => 0.5;
  it('grows exponentially and caps', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((a) =>
      nextPollDelaySeconds(TRAINING_POLL_POLICY, a, null, mid),
    );
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 120, 120]);
  });

  it('jitters within ±20 % and stays an integer ≥ 1', () => {
    expect(nextPollDelaySeconds(GENERATION_POLL_POLICY, 3, null, () => 0)).toBe(Math.ceil(16 * 0.8));
    expect(nextPollDelaySeconds(GENERATION_POLL_POLICY, 3, null, () => 0.999999)).toBe(Math.ceil(16 * 1.2));
    expect(nextPollDelaySeconds({ ...GENERATION_POLL_POLICY, baseSeconds: 0.1 }, 0, null, () => 0)).toBe(1);
  });

  it('never polls sooner than Retry-After', () => {
    expect(nextPollDelaySeconds(TRAINING_POLL_POLICY, 0, 30, mid)).toBe(30);
  });
});

describe('initialPollState', () => {
  it('is completed for synchronous answers and carries a deadline', () => {
    const now = new Date('2026-05-01T00:00:00Z');
    expect(initialPollState(TRAINING_POLL_POLICY, { jobId: null, completed: true, now })).toEqual({
      status: 'completed',
      jobId: null,
      attempt: 0,
      nextWaitSeconds: 0,
      deadlineAt: '2026-05-01T02:00:00.000Z',
      jobStatus: 'completed',
    });
    const running = initialPollState(GENERATION_POLL_POLICY, {
      jobId: 'job_1234',
      completed: false,
      now,
      random: () => 0.5,
    });
    expect(running).toMatchObject({
      status: 'running',
      nextWaitSeconds: 2,
      deadlineAt: '2026-05-01T01:00:00.000Z',
    });
  });
});
