import { describe, expect, it } from 'vitest';
import {
  GENERATION_POLL_POLICY,
  TRAINING_POLL_POLICY,
  initialPollState,
  nextPollDelaySeconds,
  type PollPolicy,
} from '../../../src/pipeline/polling.ts';

describe('nextPollDelaySeconds', () => {
  const mid = (): number => 0.5;
  it('starts with a long first wait, doubles and caps', () => {
    const delays = (policy: PollPolicy): number[] =>
      [0, 1, 2, 3, 4, 5].map((a) => nextPollDelaySeconds(policy, a, null, mid));
    expect(delays(TRAINING_POLL_POLICY)).toEqual([15, 30, 60, 120, 120, 120]);
    expect(delays(GENERATION_POLL_POLICY)).toEqual([10, 20, 40, 80, 120, 120]);
  });

  it('jitters within ±10 % and stays an integer ≥ 1', () => {
    expect(nextPollDelaySeconds(GENERATION_POLL_POLICY, 3, null, () => 0)).toBe(Math.ceil(80 * 0.9));
    expect(nextPollDelaySeconds(GENERATION_POLL_POLICY, 3, null, () => 0.999999)).toBe(Math.ceil(80 * 1.1));
    expect(nextPollDelaySeconds({ ...GENERATION_POLL_POLICY, baseSeconds: 0.1 }, 0, null, () => 0)).toBe(1);
  });

  it('finds a 5 min training and a 2 min generation done in 5 + 4 polls at any jitter', () => {
    const pollsUntil = (policy: PollPolicy, seconds: number, random: () => number): number => {
      let elapsed = 0;
      let polls = 0;
      while (elapsed < seconds) elapsed += nextPollDelaySeconds(policy, polls++, null, random);
      return polls;
    };
    for (const random of [() => 0, mid, () => 0.999999]) {
      expect(pollsUntil(TRAINING_POLL_POLICY, 300, random)).toBe(5);
      expect(pollsUntil(GENERATION_POLL_POLICY, 120, random)).toBe(4);
    }
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
      nextWaitSeconds: 10,
      deadlineAt: '2026-05-01T01:00:00.000Z',
    });
  });
});
