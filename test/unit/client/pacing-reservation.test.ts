/**
 * The decisions behind slot reservations carried through a Step Functions Wait: when a held
 * reservation is used, waited for again or forgotten; how long the Wait sleeps; and that only a
 * step running in a pacing turn holds one, used once.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
  RESERVATION_GRACE_MS,
  decideReservation,
  heldReservation,
  secondsBefore,
  withPacingTurn,
} from '../../../src/client/index.ts';
import { currentPacingTurn } from '../../../src/client/pacing-reservation.ts';

const slot = { operation: 'createGeneration', reservedAt: 100_000 };

describe('decideReservation', () => {
  it('goes on a due slot, sleeping what is left of it in process', () => {
    expect(decideReservation(slot, 99_400, 1_000)).toEqual({ use: 'go', waitMs: 600 });
    expect(decideReservation(slot, 100_000, 1_000)).toEqual({ use: 'go', waitMs: 0 });
  });
  it('still uses a slot missed by up to the grace, and takes anew after that', () => {
    expect(decideReservation(slot, 100_000 + RESERVATION_GRACE_MS, 1_000)).toEqual({ use: 'go', waitMs: 0 });
    expect(decideReservation(slot, 100_001 + RESERVATION_GRACE_MS, 1_000)).toEqual({ use: 'missed' });
    expect(decideReservation(slot, 105_000, 1_000, 2_000)).toEqual({ use: 'missed' });
  });
  it('judges lateness at the step start: its own work before the call does not lose the slot', () => {
    const afterPreWork = 100_000 + RESERVATION_GRACE_MS + 4_000;
    expect(decideReservation(slot, afterPreWork, 1_000, RESERVATION_GRACE_MS, 99_900)).toEqual({
      use: 'go',
      waitMs: 0,
    });
    const lateStart = 100_001 + RESERVATION_GRACE_MS;
    expect(decideReservation(slot, afterPreWork, 1_000, RESERVATION_GRACE_MS, lateStart)).toEqual({
      use: 'missed',
    });
  });
  it('takes a fresh slot when the send comes later than the grace plus the inline limit, however early the step started', () => {
    const limit = RESERVATION_GRACE_MS + DEFAULT_MAX_INLINE_WAIT_OTHER_MS;
    expect(decideReservation(slot, 100_000 + limit, 1_000, RESERVATION_GRACE_MS, 99_900)).toEqual({
      use: 'go',
      waitMs: 0,
    });
    expect(decideReservation(slot, 100_001 + limit, 1_000, RESERVATION_GRACE_MS, 99_900)).toEqual({
      use: 'missed',
    });
    expect(decideReservation(slot, 120_000, 1_000, RESERVATION_GRACE_MS, 99_900)).toEqual({ use: 'missed' });
    expect(decideReservation(slot, 106_001, 1_000, 1_000, 99_900, 5_000)).toEqual({ use: 'missed' });
  });
  it('keeps the grace to a Wait wake-up and an invocation start: 2 to 3 s', () => {
    expect(RESERVATION_GRACE_MS).toBeGreaterThanOrEqual(2_000);
    expect(RESERVATION_GRACE_MS).toBeLessThanOrEqual(3_000);
  });
  it('sends a step that woke more than the in-process limit early back to wait for it', () => {
    expect(decideReservation(slot, 90_000, 1_000)).toEqual({ use: 'early', waitMs: 10_000 });
  });
});

describe('secondsBefore', () => {
  it('rounds down, so the Wait ends before the slot (the rest is slept in process)', () => {
    expect(secondsBefore(2_999)).toBe(2);
    expect(secondsBefore(61_000)).toBe(61);
  });
  it('waits at least one second (a Wait of 0 s would come straight back)', () => {
    expect(secondsBefore(1_200)).toBe(1);
    expect(secondsBefore(10)).toBe(1);
  });
});

describe('heldReservation', () => {
  it('is the slot of a paced wait, and nothing for a vendor Retry-After or the first run', () => {
    expect(heldReservation({ operation: 'getJob', reservedAt: 5 })).toEqual({
      operation: 'getJob',
      reservedAt: 5,
    });
    expect(heldReservation({ operation: 'getJob' })).toBeNull();
    expect(heldReservation(null)).toBeNull();
    expect(heldReservation(undefined)).toBeNull();
  });
});

describe('withPacingTurn', () => {
  it('holds the reservation for the calls made inside it (across awaits), and none outside', async () => {
    expect(currentPacingTurn()).toBeUndefined();
    await withPacingTurn(slot, async () => {
      await Promise.resolve();
      expect(currentPacingTurn()).toMatchObject({ held: slot, requests: 1, sent: 0, grant: null });
    });
    await Promise.all([
      withPacingTurn(null, () => Promise.resolve(expect(currentPacingTurn()?.held).toBeNull())),
      withPacingTurn(slot, () => Promise.resolve(expect(currentPacingTurn()?.held).toBe(slot))),
    ]);
    expect(currentPacingTurn()).toBeUndefined();
  });
});
