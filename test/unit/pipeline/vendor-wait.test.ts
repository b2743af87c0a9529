import { describe, expect, it } from 'vitest';
import { SimulacraApiError, SimulacraNetworkError, VendorPacingError } from '../../../src/client/index.ts';
import { toStateError } from '../../../src/contracts/state-errors.ts';
import * as z from '../../../src/contracts/zod.ts';
import { currentPacingTurn } from '../../../src/client/pacing-reservation.ts';
import {
  MAX_VENDOR_WAIT_SECONDS,
  inPacingTurn,
  MAX_VENDOR_WAITS,
  nextVendorWait,
  isVendorWait,
  stepResultSchema,
  vendorWaitFor,
} from '../../../src/pipeline/vendor-wait.ts';

function apiError(status: number, retryAfterSeconds: number | null, retryable = true) {
  return new SimulacraApiError({
    operation: 'createGeneration',
    problem: { type: 'about:blank', title: 't', status, detail: 'slow down', code: null, request_id: null },
    xRequestId: null,
    retryable,
    retryAfterSeconds,
  });
}

describe('vendorWaitFor', () => {
  it('turns a 429 or 503 with Retry-After into a wait of that length plus up to 20 % jitter', () => {
    expect(vendorWaitFor(apiError(429, 90), () => 0)).toEqual({
      seconds: 90,
      reason: 'throttled',
      operation: 'createGeneration',
    });
    expect(vendorWaitFor(apiError(503, 90), () => 0.999)?.seconds).toBe(108);
  });
  it('waits the pacing turn for a pacing refusal', () => {
    expect(vendorWaitFor(new VendorPacingError('getJob', 3))).toEqual({
      seconds: 3,
      reason: 'paced',
      operation: 'getJob',
    });
  });
  it('carries the slot a pacing refusal reserved, waiting until just before it', () => {
    const reservation = { operation: 'createDataset', reservedAt: 1_700_000_000_000 };
    expect(vendorWaitFor(new VendorPacingError('createDataset', 42, reservation))).toEqual({
      seconds: 42,
      reason: 'paced',
      operation: 'createDataset',
      reservedAt: reservation.reservedAt,
    });
  });
  it('reads a step result as null while its path holds only its wait', () => {
    const schema = stepResultSchema(z.looseObject({ datasetId: z.string() }));
    expect(schema.parse({ vendorWait: null })).toBeNull();
    expect(
      schema.parse({ vendorWait: { seconds: 3, reason: 'paced', operation: 'createDataset' } }),
    ).toBeNull();
    expect(schema.parse({ datasetId: 'ds_1' })).toEqual({ datasetId: 'ds_1' });
    expect(() => schema.parse({ poll: {} })).toThrow();
  });
  it('bounds a single wait to an hour', () => {
    expect(vendorWaitFor(apiError(429, 86_400), () => 0)?.seconds).toBe(MAX_VENDOR_WAIT_SECONDS);
  });
  it('leaves everything else to the Retry policy or the failure path', () => {
    expect(vendorWaitFor(apiError(429, null))).toBeNull();
    expect(vendorWaitFor(apiError(500, 5))).toBeNull();
    expect(vendorWaitFor(apiError(400, 5, false))).toBeNull();
    expect(vendorWaitFor(new SimulacraNetworkError('getJob', 'reset'))).toBeNull();
  });
  it('recognises a wait outcome', () => {
    expect(isVendorWait({ vendorWait: { seconds: 1 } })).toBe(true);
    expect(isVendorWait({ generationId: 'g' })).toBe(false);
  });
  it('maps a pacing refusal in a step without a wait loop to the error its patient Retry matches', () => {
    const mapped = toStateError(new VendorPacingError('getDatasetSchema', 2));
    expect(mapped.name).toBe('VendorPacedError');
    expect(mapped.details).toMatchObject({ code: 'vendor_paced', operation: 'getDatasetSchema' });
  });
});

describe('inPacingTurn', () => {
  const wait = { seconds: 2, reason: 'paced', operation: 'createDataset', reservedAt: 5_000 };
  const turnOf = (carried: typeof wait | null | undefined, attempt = {}) =>
    inPacingTurn(carried, () => Promise.resolve(currentPacingTurn()), attempt);

  it('holds the carried slot on the first attempt, judged from the step start', async () => {
    expect(await turnOf(wait, { startedAt: 4_900, retryCount: 0 })).toMatchObject({
      held: { operation: 'createDataset', reservedAt: 5_000 },
      startedAt: 4_900,
      sent: 0,
    });
  });
  it('forgets the slot on a Retry of the state (the failed attempt may have used it), still reserving', async () => {
    expect(await turnOf(wait, { retryCount: 1 })).toMatchObject({ held: null, sent: 0 });
  });
  it('runs outside any turn for a caller that cannot carry a wait', async () => {
    expect(await turnOf(undefined)).toBeUndefined();
  });
});

describe('nextVendorWait', () => {
  const refused = new VendorPacingError('createGeneration', 4, {
    operation: 'createGeneration',
    reservedAt: 9_000,
  });
  it('numbers the waits of a step in its run, from the one its input carries', () => {
    expect(nextVendorWait(refused, null)).toMatchObject({ reason: 'paced', reservedAt: 9_000, waits: 1 });
    expect(nextVendorWait(refused, { operation: 'createGeneration', waits: 3 })?.waits).toBe(4);
    expect(nextVendorWait(new Error('not a refusal'), null)).toBeNull();
  });
  it(`gives up after ${MAX_VENDOR_WAITS} waits with a retryable error its Catch records`, () => {
    const carried = { operation: 'createGeneration', waits: MAX_VENDOR_WAITS };
    const err = (() => {
      try {
        return nextVendorWait(refused, carried);
      } catch (e) {
        return e as Error;
      }
    })() as Error;
    expect(err.name).toBe('VendorRetryableError');
    expect(JSON.parse(err.message)).toMatchObject({ code: 'vendor_waits_exhausted' });
    expect(JSON.parse(err.message).detail).toMatch(/vendorRequestsPerSecond/);
  });
});
