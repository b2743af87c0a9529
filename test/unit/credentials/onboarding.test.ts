import { describe, expect, it, vi } from 'vitest';
import {
  SignupPendingError,
  pollDelayMs,
  supportInstructions,
  waitForSignupDecision,
} from '../../../src/credentials/onboarding.ts';
import { approved, fakeOnboardingApi, problem, signup } from '../../support/credential-fakes.ts';

describe('pollDelayMs', () => {
  it('grows exponentially, is capped, and jitters within [base/2, base]', () => {
    const opts = { initialDelayMs: 2_000, maxDelayMs: 30_000 };
    expect(pollDelayMs(0, { ...opts, random: () => 0 })).toBe(1_000);
    expect(pollDelayMs(0, { ...opts, random: () => 1 })).toBe(2_000);
    expect(pollDelayMs(3, { ...opts, random: () => 1 })).toBe(Math.round(2_000 * 1.6 ** 3));
    expect(pollDelayMs(20, { ...opts, random: () => 1 })).toBe(30_000);
    expect(pollDelayMs(20, { ...opts, random: () => 0 })).toBe(15_000);
  });
});

describe('waitForSignupDecision', () => {
  it('sleeps with growing delays and never past the deadline', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const api = fakeOnboardingApi();
    api.getSignupRequest.mockResolvedValue(signup());
    const err = await waitForSignupDecision(api, 'req_abc123', {
      deadlineMs: 20_000,
      now: () => now,
      random: () => 1,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SignupPendingError);
    expect(sleeps.slice(0, 3)).toEqual([2_000, 3_200, 5_120]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('keeps polling through unknown statuses and retryable errors', async () => {
    const api = fakeOnboardingApi();
    api.getSignupRequest
      .mockResolvedValueOnce(signup({ status: 'under_review' }))
      .mockRejectedValueOnce(problem(502, null))
      .mockResolvedValueOnce(approved());
    const onPoll = vi.fn();
    const result = await waitForSignupDecision(api, 'req_abc123', {
      deadlineMs: 60_000,
      sleep: () => Promise.resolve(),
      onPoll,
    });
    expect(result.status).toBe('approved');
    expect(onPoll).toHaveBeenCalledTimes(2);
  });
});

describe('supportInstructions', () => {
  it('lists the correlation ids and warns not to send secrets', () => {
    const text = supportInstructions({
      requestId: 'req_1',
      clientId: 'c1',
      xRequestId: 'xr_1',
      responseRequestId: 'req_2',
      rotationRequestId: 'rot_1',
    });
    expect(text).toContain(
      'signup request_id req_1, rotation_request_id rot_1, client_id c1, X-Request-Id xr_1',
    );
    expect(text).toContain('response request_id req_2');
    expect(text).toContain('Do not send any client secret or claim token');
  });
});
