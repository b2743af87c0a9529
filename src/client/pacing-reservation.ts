/**
 * Pacing slots reserved across a Step Functions Wait. A queued vendor operation whose turn is
 * further away than a Lambda should sleep takes its slot anyway (the bucket's `tat` moves on, so
 * nobody else gets it) and is refused with that slot's start time; the step returns it in its
 * `vendorWait`, the state machine waits until just before it, and the step runs again holding
 * the reservation: the request then goes on its slot without taking another. Only a step that
 * carries the reservation through its Wait runs inside {@link withPacingTurn}; elsewhere a
 * queued operation is refused without taking anything (the slot would be lost). A step that sends
 * several requests in one run (a schema read with its dataset read, a landing's generation read
 * and download) reserves one slot for each, in a row, so its next run sends all of them on slots
 * it holds instead of winning one slot per Wait.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A slot taken from the shared bucket for one vendor operation (not a secret: a time). */
export interface PacingReservation {
  readonly operation: string;
  /** When the reserved request may start, epoch milliseconds. */
  readonly reservedAt: number;
  /** Consecutive slots held from `reservedAt`, one pacing interval apart (default 1). */
  readonly slots?: number | undefined;
}

/**
 * How late after its slot a step holding a reservation may start and still use it. Lateness is
 * judged at the step's entry (its handler's first line), not when the request is about to go:
 * the step's own work before the call (re-reading a seed, a DynamoDB read) is not lateness, it
 * only delays a slot the step already holds. What remains is the Wait's wake-up (within about a
 * second on AWS) and the invocation's start, a cold start's init included: 3 s covers both. A
 * slot used late adds one request to whatever second it lands in (the vendor may answer 429,
 * which the client retries after its Retry-After); a step starting later than this (a redrive, a
 * step throttled for long) forgets the slot and takes anew.
 */
export const RESERVATION_GRACE_MS = 3_000;

/**
 * How far ahead a queued operation may reserve: within the longest single Step Functions wait
 * (src/pipeline/vendor-wait.ts, an hour) with room to spare. A backlog deeper than this is
 * refused without taking, as before reservations.
 */
export const MAX_RESERVATION_AHEAD_MS = 55 * 60 * 1000;

/**
 * The longest wait for a slot an operation without a Wait loop sleeps in process (the pacer's
 * default `maxInlineWaitOtherMs`). It also bounds how late a held slot may still be sent: a step
 * that started within the grace but whose own work before the call ran on past the grace plus
 * this sends into a second other callers already fill, so it takes a fresh slot instead.
 */
export const DEFAULT_MAX_INLINE_WAIT_OTHER_MS = 5_000;

/** What a step re-run does with the reservation it holds. */
export type ReservationUse =
  /** Due: sleep `waitMs` (≤ the in-process limit), then send without taking a slot. */
  | { readonly use: 'go'; readonly waitMs: number }
  /** Not due yet (the Wait was bounded or woke early): wait outside again, holding it. */
  | { readonly use: 'early'; readonly waitMs: number }
  /** Missed by more than the grace (late wake-up, a redrive): take a slot anew. */
  | { readonly use: 'missed' };

/**
 * What to do with `reservation` at `now`, for a step that started at `startedAt` (its handler's
 * entry; default `now`): early is judged at `now`, late at `startedAt` (within `graceMs`) and at
 * `now` (within `graceMs + sendLateMs`, however early the step started: the send itself must not
 * come arbitrarily late).
 */
export function decideReservation(
  reservation: PacingReservation,
  now: number,
  maxInlineWaitMs: number,
  graceMs: number = RESERVATION_GRACE_MS,
  startedAt: number = now,
  sendLateMs: number = DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
): ReservationUse {
  const waitMs = Math.ceil(reservation.reservedAt - now);
  if (waitMs > maxInlineWaitMs) return { use: 'early', waitMs };
  const startLate = startedAt - reservation.reservedAt;
  const sendLate = now - reservation.reservedAt;
  if (startLate <= graceMs && sendLate <= graceMs + sendLateMs) {
    return { use: 'go', waitMs: Math.max(0, waitMs) };
  }
  return { use: 'missed' };
}

/** Whole seconds a Wait sleeps for a slot `waitMs` away: it wakes just before, never after. */
export function secondsBefore(waitMs: number): number {
  return Math.max(1, Math.floor(waitMs / 1000));
}

/** Slots a step run owns, held from its last wait or taken in this run, and how many it sent on. */
export interface PacingGrant {
  /** The first slot's start (epoch ms); slot i starts one pacing interval after slot i-1. */
  readonly start: number;
  readonly count: number;
  sent: number;
}

/** A refusal a turn already met: its later requests are refused with it, taking nothing more. */
export interface TurnRefusal {
  readonly retryAfterSeconds: number;
  readonly reservation: PacingReservation | null;
}

/** One step invocation's pacing turn: the reservation it holds and the slots it has used. */
export interface PacingTurn {
  readonly held: PacingReservation | null;
  /** When the step started (epoch ms), before its own work: what lateness is judged at. */
  readonly startedAt?: number | undefined;
  /** The vendor requests the step sends in one run: a take reserves that many slots in a row. */
  readonly requests: number;
  /** Whether `held` has been judged (used, or found missed) by the turn's first request. */
  heldJudged: boolean;
  grant: PacingGrant | null;
  /** Requests of this turn that went (on a held or taken slot). */
  sent: number;
  refusal: TurnRefusal | null;
  /** The tail of the turn's takes: a step sending requests at once takes their slots in turn. */
  tail: Promise<unknown>;
}

const turns = new AsyncLocalStorage<PacingTurn>();

/**
 * Runs `fn` (a step's vendor calls) so that a refused operation reserves its slots, and `held`
 * (the reservation the step's input carries from its last wait, if any) is used by the step's
 * first requests, when the step started (`startedAt`, default: now) within the grace of it.
 * `requests`: how many vendor requests the step sends in one run (default 1).
 */
export function withPacingTurn<T>(
  held: PacingReservation | null,
  fn: () => Promise<T>,
  startedAt?: number,
  requests = 1,
): Promise<T> {
  if (!Number.isInteger(requests) || requests < 1) {
    throw new RangeError(`a pacing turn sends at least one request (got ${requests})`);
  }
  const turn: PacingTurn = {
    held,
    startedAt,
    requests,
    heldJudged: false,
    grant: null,
    sent: 0,
    refusal: null,
    tail: Promise.resolve(),
  };
  return turns.run(turn, fn);
}

/** Runs `take` after the turn's earlier takes have settled (one take at a time per turn). */
export function inTurnOrder<T>(turn: PacingTurn, take: () => Promise<T>): Promise<T> {
  const result = turn.tail.then(take, take);
  turn.tail = result.catch(() => undefined);
  return result;
}

/** The turn of the step invocation calling, or undefined outside {@link withPacingTurn}. */
export function currentPacingTurn(): PacingTurn | undefined {
  return turns.getStore();
}

/** The reservation a step's last wait carries, when it is one (a vendor Retry-After is not). */
export function heldReservation(
  wait:
    | {
        readonly operation: string;
        readonly reservedAt?: number | undefined;
        readonly slots?: number | undefined;
      }
    | null
    | undefined,
): PacingReservation | null {
  if (!wait || typeof wait.reservedAt !== 'number') return null;
  const slots = wait.slots ?? 1;
  return slots > 1
    ? { operation: wait.operation, reservedAt: wait.reservedAt, slots }
    : { operation: wait.operation, reservedAt: wait.reservedAt };
}
