import { describe, expect, it } from 'vitest';
import {
  ArtifactUrlExpiredError,
  SimulacraApiError,
  SimulacraInputError,
  SimulacraNetworkError,
  SimulacraResponseValidationError,
  TokenMintError,
  classifyError,
  parseProblem,
  parseRetryAfter,
  problemKind,
} from '../../../src/client/index.ts';
import { backoffDelay, nextDelay, resolveRetryOptions } from '../../../src/client/retry.ts';
import { fakeClock } from '../../support/client-helpers.ts';

function apiError(status: number, code: string | null, detail = 'd') {
  return new SimulacraApiError({
    operation: 'op',
    problem: { type: 'about:blank', title: 't', status, detail, code, request_id: null },
    xRequestId: null,
    retryable: false,
  });
}

describe('classifyError', () => {
  it.each([429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(classifyError(apiError(status, null))).toBe('retryable');
  });
  it.each([400, 401, 402, 403, 404, 413, 415])('does not retry HTTP %i', (status) => {
    expect(classifyError(apiError(status, null))).toBe('terminal');
  });
  it('lets the vendor code decide where the status is ambiguous', () => {
    expect(problemKind(apiError(402, 'simio_per_request_cap_exceeded'))).toBe('per_request_cap_exceeded');
    expect(problemKind(apiError(402, 'simio_quota_exhausted'))).toBe('quota_exhausted');
    expect(problemKind(apiError(413, 'simio_per_request_cap_exceeded'))).toBe('per_request_cap_exceeded');
    expect(problemKind(apiError(413, 'simio_file_too_large'))).toBe('file_too_large');
    expect(problemKind(apiError(402, null))).toBe('quota_exhausted');
    expect(problemKind(apiError(400, 'simio_unknown_condition_level'))).toBe('invalid_request');
    // a code that says "retry later" beats a status that would not
    expect(classifyError(apiError(400, 'simio_rate_limited'))).toBe('retryable');
    expect(classifyError(apiError(503, 'simio_extend_cap_exceeded'))).toBe('terminal');
  });
  it('retries only the in-flight flavour of 409 simio_idempotency_conflict', () => {
    expect(classifyError(apiError(409, 'simio_idempotency_conflict', 'still in flight'))).toBe('retryable');
    expect(
      classifyError(apiError(409, 'simio_idempotency_conflict', 'used with a different request body')),
    ).toBe('terminal');
    expect(classifyError(apiError(409, 'simio_extend_cap_exceeded'))).toBe('terminal');
  });
  it('classifies network, token, input and validation errors', () => {
    expect(classifyError(new SimulacraNetworkError('op', 'reset'))).toBe('retryable');
    expect(
      classifyError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })),
    ).toBe('retryable');
    expect(classifyError(new DOMException('t', 'TimeoutError'))).toBe('retryable');
    expect(classifyError(new TokenMintError('x', { status: 503, retryable: true }))).toBe('retryable');
    expect(classifyError(new TokenMintError('x', { status: 401, retryable: false }))).toBe('terminal');
    expect(classifyError(new SimulacraInputError('f', 'bad'))).toBe('terminal');
    expect(classifyError(new SimulacraResponseValidationError('op', 'f', 'bad'))).toBe('terminal');
    expect(classifyError(new ArtifactUrlExpiredError('gen_1', 404, null))).toBe('retryable');
    expect(classifyError(new Error('boom'))).toBe('terminal');
  });
});

describe('parseProblem', () => {
  it('reads problem+json and keeps request_id', () => {
    const p = parseProblem(
      402,
      'Payment Required',
      JSON.stringify({
        type: 't',
        title: 'T',
        status: 402,
        detail: 'quota',
        code: 'simio_quota_exhausted',
        request_id: 'req_9',
      }),
    );
    expect(p).toEqual({
      type: 't',
      title: 'T',
      status: 402,
      detail: 'quota',
      code: 'simio_quota_exhausted',
      request_id: 'req_9',
    });
  });
  it('never copies a non-JSON body into the detail', () => {
    const p = parseProblem(502, 'Bad Gateway', '<html>secret-ish proxy page</html>');
    expect(p.detail).toBe('HTTP 502 Bad Gateway');
    expect(p.code).toBeNull();
  });
});

describe('retry timing', () => {
  it('parses Retry-After seconds and HTTP-dates', () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Fri, 01 May 2026 12:00:09 GMT', now)).toBe(9000);
    expect(parseRetryAfter('Fri, 01 May 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
  it('uses full-jitter exponential backoff capped by maxDelayMs', () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect(backoffDelay(1, options, () => 0.999)).toBe(99);
    expect(backoffDelay(4, options, () => 0.999)).toBe(799);
    expect(backoffDelay(10, options, () => 0.999)).toBe(999);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });
  it('gives up when attempts are exhausted or the wait would cross the deadline', () => {
    const clock = fakeClock();
    const options = resolveRetryOptions({ maxAttempts: 3, deadlineMs: 10_000 });
    const base = { startedAt: clock.time, options, clock };
    expect(nextDelay({ ...base, attempt: 1, retryAfterMs: 2000 })).toBe(2200);
    expect(nextDelay({ ...base, attempt: 3, retryAfterMs: 10 })).toBeNull();
    expect(nextDelay({ ...base, attempt: 1, retryAfterMs: 10_000 })).toBeNull();
    clock.time += 9_900;
    expect(nextDelay({ ...base, attempt: 1, retryAfterMs: 200 })).toBeNull();
  });
  it('adds up to retryAfterJitter of a Retry-After, and hands a longer one than maxRetryAfterMs back', () => {
    const clock = fakeClock();
    const options = resolveRetryOptions({ maxRetryAfterMs: 5_000, retryAfterJitter: 0.5 });
    const base = { startedAt: clock.time, options, clock, attempt: 1 };
    clock.random = () => 0;
    expect(nextDelay({ ...base, retryAfterMs: 4000 })).toBe(4000);
    clock.random = () => 0.999;
    expect(nextDelay({ ...base, retryAfterMs: 4000 })).toBe(5998);
    // Longer than a caller sleeps in process: no wait, the error goes back with its Retry-After.
    expect(nextDelay({ ...base, retryAfterMs: 5001 })).toBeNull();
  });
  it('rejects nonsense retry options', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
