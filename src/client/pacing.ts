/**
 * Shared pacing of vendor requests: a token bucket (kept as a GCRA "theoretical arrival time")
 * in the pipeline's DynamoDB state table, drawn from by every Lambda container and every run of
 * a deployment, so concurrent runs take turns instead of all meeting the vendor's 429s. Each
 * take is one atomic conditional UpdateItem on one item (`PACING#<client_id>` / `PACING`):
 * `tat += interval` while there is a backlog, `tat = now + interval` once the bucket has refilled.
 * There is no read-then-write race, so N runs taking at once cost about N writes, not N².
 *
 * A step that carries its wait through the state machine (src/pipeline/vendor-wait.ts) runs its
 * vendor calls in a pacing turn (src/client/pacing-reservation.ts): its first request takes a slot
 * for each request the step sends, in a row; when they start further away than a Lambda should
 * sleep, it keeps them and is refused with {@link VendorPacingError} carrying their start, so the
 * step waits in a Step Functions Wait and its next run sends on them without taking again.
 * Outside a turn nothing is reserved: the queued operations ({@link QUEUED_OPERATIONS}) sleep a
 * short wait in process and are refused beyond it; any other operation takes a slot only when it
 * starts within `maxInlineWaitOtherMs` and is refused behind a deeper backlog (a slot far ahead
 * that it would not wait for would push every later reservation back, and going at once would
 * exceed the vendor's rate); such a step fails with `VendorPacedError`, whose Retry policy is
 * patient enough to outlast the deepest queue of reservations.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lostItemNumber } from '../state/dynamo-items.ts';
import { VendorPacingError } from './errors.ts';
import {
  DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
  MAX_RESERVATION_AHEAD_MS,
  RESERVATION_GRACE_MS,
  currentPacingTurn,
  decideReservation,
  inTurnOrder,
  secondsBefore,
  type PacingReservation,
  type PacingTurn,
} from './pacing-reservation.ts';

/** Called by the client before every HTTP request it sends. */
export interface VendorPacer {
  /** Resolves when the request may go; throws {@link VendorPacingError} when it must wait outside. */
  acquire(operation: string): Promise<void>;
}

export interface PacingRate {
  /** Sustained vendor requests per second across the deployment. */
  readonly requestsPerSecond: number;
  /** Requests that may go at once after a quiet spell (bucket size). */
  readonly burst: number;
}

export interface DynamoDbPacerOptions extends PacingRate {
  readonly tableName: string;
  readonly dynamo: DynamoDBDocumentClient;
  /** Whose bucket: the vendor client id (the vendor's limits are per client). */
  readonly clientId: string;
  /** Longest wait for a request slot slept in process by a queued operation (default 1 s). */
  readonly maxInlineWaitMs?: number;
  /** Longest wait for a slot any other operation sleeps in process; beyond it, it is refused (default 5 s). */
  readonly maxInlineWaitOtherMs?: number;
  /** Operations refused (rather than slept) beyond `maxInlineWaitMs` (default {@link QUEUED_OPERATIONS}). */
  readonly queuedOperations?: ReadonlySet<string>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How late after its slot a step holding a reservation may start and still use it (`RESERVATION_GRACE_MS`). */
  readonly reservationGraceMs?: number;
  /** Jitter on the refusal's wait, so refused callers do not return in lockstep. */
  readonly random?: () => number;
}

/**
 * The vendor operations whose pipeline steps turn a refusal into a Step Functions Wait (upload,
 * generation request, job poll: src/pipeline/vendor-wait.ts).
 */
export const QUEUED_OPERATIONS: ReadonlySet<string> = new Set([
  'createDataset',
  'createGeneration',
  'getJob',
]);

/** Sort key of the pacing item. */
export const PACING_SORT_KEY = 'PACING';
const MAX_RACES = 8;

const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

/** The outcome of one take against the bucket state `tat` (ms) at `now`. */
export interface PacingDecision {
  /** How long the caller waits for its slot (0 = go now). */
  readonly waitMs: number;
  /** The bucket state after a take, or null when the wait is too long to take a slot. */
  readonly nextTat: number | null;
}

/**
 * GCRA: a request may start once `tat - (burst - 1) * interval` has passed; taking it moves `tat`
 * on by one interval. A wait up to `maxWaitMs` takes the slot (the caller sleeps, its place is
 * kept); a longer one takes nothing.
 */
export function decidePacing(
  tat: number | null,
  now: number,
  rate: PacingRate,
  maxWaitMs: number,
): PacingDecision {
  const interval = 1000 / rate.requestsPerSecond;
  const start = Math.max(tat ?? now, now);
  const waitMs = Math.max(0, Math.ceil(start - (rate.burst - 1) * interval - now));
  return { waitMs, nextTat: waitMs <= maxWaitMs ? start + interval : null };
}

/** Checks a pacing rate, naming what is wrong. */
export function validatePacingRate(rate: PacingRate): PacingRate {
  if (!Number.isFinite(rate.requestsPerSecond) || rate.requestsPerSecond <= 0) {
    throw new RangeError(
      `pacing requestsPerSecond must be a number > 0 (got ${rate.requestsPerSecond}), e.g. 10`,
    );
  }
  if (!Number.isInteger(rate.burst) || rate.burst < 1) {
    throw new RangeError(`pacing burst must be an integer >= 1 (got ${rate.burst}), e.g. 10`);
  }
  return rate;
}

/** The token bucket in DynamoDB (see the module comment). */
export class DynamoDbPacer implements VendorPacer {
  readonly #options: DynamoDbPacerOptions;
  readonly #key: { pk: string; sk: string };
  /** The bucket state this container saw last: picks which atomic take to try first. */
  #lastTat: number | null = null;

  constructor(options: DynamoDbPacerOptions) {
    validatePacingRate(options);
    for (const name of ['maxInlineWaitMs', 'maxInlineWaitOtherMs'] as const) {
      const value = options[name];
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`pacing ${name} must be a finite number of ms >= 0 (got ${value}), e.g. 1000`);
      }
    }
    this.#options = options;
    this.#key = { pk: `PACING#${options.clientId}`, sk: PACING_SORT_KEY };
  }

  async acquire(operation: string): Promise<void> {
    const turn = currentPacingTurn();
    if (turn) return inTurnOrder(turn, () => this.#acquireInTurn(turn, operation));
    const maxInline = this.#maxInline(operation);
    const { waitMs } = await this.#take(operation, maxInline, 1);
    if (waitMs > 0) await this.#sleep(waitMs);
  }

  /**
   * A step that carries its wait through the state machine: its requests go on the slots it holds
   * (from its last wait, or taken by its first request for all of them); when they are further
   * away than it may sleep, it keeps them and is refused with their start, to wait outside.
   */
  async #acquireInTurn(turn: PacingTurn, operation: string): Promise<void> {
    if (turn.refusal) {
      throw new VendorPacingError(operation, turn.refusal.retryAfterSeconds, turn.refusal.reservation);
    }
    const now = this.#options.now ?? Date.now;
    const maxInline = this.#maxInline(operation);
    const sendLateMs = this.#options.maxInlineWaitOtherMs ?? DEFAULT_MAX_INLINE_WAIT_OTHER_MS;
    const graceMs = this.#options.reservationGraceMs ?? RESERVATION_GRACE_MS;
    if (turn.held && !turn.heldJudged) {
      turn.heldJudged = true;
      const held = turn.held;
      const use = decideReservation(held, now(), maxInline, graceMs, turn.startedAt, sendLateMs);
      if (use.use === 'early') refuse(turn, operation, secondsBefore(use.waitMs), held);
      if (use.use === 'go') turn.grant = { start: held.reservedAt, count: held.slots ?? 1, sent: 0 };
    }
    const grant = turn.grant;
    if (grant && grant.sent < grant.count) {
      // The step's later requests go on its later slots. One its own work made late (a large seed
      // read between them) goes at once, one request more in a second at most, rather than
      // queueing the whole step again: its next run would be as late, and queue again.
      const waitMs = Math.ceil(grant.start + grant.sent * this.#interval - now());
      grant.sent += 1;
      turn.sent += 1;
      if (waitMs > 0) await this.#sleep(waitMs);
      return;
    }
    turn.grant = null;
    const horizon = Math.max(maxInline, MAX_RESERVATION_AHEAD_MS);
    if (turn.sent > 0) {
      // A request beyond the step's slots (a client retry, an expired URL's re-fetch) takes one
      // slot it can sleep for. Behind a deeper queue the step waits and runs again from its start,
      // holding a slot for every request this run needed.
      const extra = await this.#take(operation, maxInline, 1).catch((err: unknown) => {
        if (err instanceof VendorPacingError && err.reservation === null) return null;
        throw err;
      });
      if (extra) {
        turn.sent += 1;
        if (extra.waitMs > 0) await this.#sleep(extra.waitMs);
        return;
      }
    }
    const count = Math.max(turn.requests, turn.sent + 1);
    let taken: { at: number; waitMs: number };
    try {
      taken = await this.#take(operation, horizon, count);
    } catch (err) {
      if (err instanceof VendorPacingError) turn.refusal = err;
      throw err;
    }
    const start = taken.at + taken.waitMs;
    if (taken.waitMs > maxInline) {
      // Reserved: the slots are this step's; it comes back for them.
      const reservation =
        count > 1 ? { operation, reservedAt: start, slots: count } : { operation, reservedAt: start };
      refuse(turn, operation, secondsBefore(taken.waitMs), reservation);
    }
    turn.grant = { start, count, sent: 1 };
    turn.sent += 1;
    if (taken.waitMs > 0) await this.#sleep(taken.waitMs);
  }

  /**
   * Takes `count` slots in a row whose first starts within `maxAheadMs`: when (`at`) and how long
   * after it the first starts. A deeper backlog takes nothing and is refused with
   * {@link VendorPacingError} (no reservation), as is a bucket contended in every race.
   */
  async #take(operation: string, maxAheadMs: number, count: number): Promise<{ at: number; waitMs: number }> {
    const now = this.#options.now ?? Date.now;
    for (let race = 0; race < MAX_RACES; race += 1) {
      const at = now();
      const backlogFirst = this.#lastTat !== null && this.#lastTat >= at;
      let waitMs = backlogFirst
        ? await this.#takeQueued(at, maxAheadMs, count)
        : await this.#takeIdle(at, count);
      // A lost take returns the bucket's state: the other take (at the same `at`) only if that
      // state admits it, and no read below. Without it (item absent or not returned): as before.
      if (waitMs instanceof LostTake && this.#otherTakeApplies(waitMs.lostTat, backlogFirst, at, maxAheadMs))
        waitMs = backlogFirst
          ? await this.#takeIdle(at, count)
          : await this.#takeQueued(at, maxAheadMs, count);
      if (!(waitMs instanceof LostTake)) return { at, waitMs };
      // No take applied: the backlog is longer than this caller may wait or reserve, or the
      // other take applies, or the bucket moved (the loop takes again).
      const tat = waitMs.lostTat ?? (await this.#readTat());
      const decision = decidePacing(tat, now(), this.#options, maxAheadMs);
      if (decision.nextTat !== null) continue;
      const spread = 1 + (this.#options.random ?? Math.random)() * 0.25;
      throw new VendorPacingError(operation, Math.max(1, Math.ceil((decision.waitMs * spread) / 1000)));
    }
    // Every race lost: the bucket is contended right now; come back after a short spell.
    throw new VendorPacingError(operation, 1);
  }

  /** Whether the take not tried first can apply at `at`, given the state the first one lost on. */
  #otherTakeApplies(
    lostTat: number | undefined,
    queuedFirst: boolean,
    at: number,
    maxAhead: number,
  ): boolean {
    if (lostTat === undefined) return true;
    if (queuedFirst) return lostTat < at;
    return decidePacing(lostTat, at, this.#options, maxAhead).nextTat !== null;
  }

  /** The longest wait for `operation`'s slot slept in process. */
  #maxInline(operation: string): number {
    const queued = (this.#options.queuedOperations ?? QUEUED_OPERATIONS).has(operation);
    const other = this.#options.maxInlineWaitOtherMs ?? DEFAULT_MAX_INLINE_WAIT_OTHER_MS;
    return queued ? (this.#options.maxInlineWaitMs ?? 1_000) : other;
  }

  get #interval(): number {
    return 1000 / this.#options.requestsPerSecond;
  }

  #sleep(ms: number): Promise<void> {
    return (this.#options.sleep ?? defaultSleep)(ms);
  }

  /** Backlog: one atomic `tat += count * interval` if the first slot is within `maxWaitMs`; its wait, or lost. */
  async #takeQueued(at: number, maxWaitMs: number, count: number): Promise<number | LostTake> {
    const { burst } = this.#options;
    const interval = this.#interval;
    // Every take is bounded: the queue's end never passes `ceiling + taken`, so a TTL from it
    // always outlives the latest slot anyone holds.
    const ceiling = at + (burst - 1) * interval + maxWaitMs;
    const taken = count * interval;
    const attributes = await this.#update(
      'SET tat = tat + :taken, #ttl = :ttl',
      'tat BETWEEN :now AND :ceiling',
      { ':taken': taken, ':now': at, ':ceiling': ceiling, ':ttl': expiry(ceiling + taken) },
    );
    if (attributes instanceof LostTake) return attributes;
    const start = Number(attributes['tat']) - taken;
    return Math.max(0, Math.ceil(start - (burst - 1) * interval - at));
  }

  /** Refilled bucket (no backlog): one atomic `tat = now + count * interval`; 0, or lost. */
  async #takeIdle(at: number, count: number): Promise<number | LostTake> {
    const next = at + count * this.#interval;
    const attributes = await this.#update(
      'SET tat = :next, #ttl = :ttl',
      'attribute_not_exists(tat) OR tat < :now',
      { ':next': next, ':now': at, ':ttl': expiry(next) },
    );
    return attributes instanceof LostTake ? attributes : 0;
  }

  async #update(
    update: string,
    condition: string,
    values: Record<string, number>,
  ): Promise<Record<string, unknown> | LostTake> {
    try {
      const { Attributes } = await this.#options.dynamo.send(
        new UpdateCommand({
          TableName: this.#options.tableName,
          Key: this.#key,
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: values,
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      this.#lastTat = typeof Attributes?.['tat'] === 'number' ? Attributes['tat'] : this.#lastTat;
      return Attributes ?? {};
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const lostTat = lostItemNumber(err, 'tat');
      if (lostTat !== undefined) this.#lastTat = lostTat;
      return new LostTake(lostTat);
    }
  }

  async #readTat(): Promise<number | null> {
    const { Item } = await this.#options.dynamo.send(
      new GetCommand({ TableName: this.#options.tableName, Key: this.#key, ConsistentRead: true }),
    );
    const tat = typeof Item?.['tat'] === 'number' ? Item['tat'] : null;
    this.#lastTat = tat;
    return tat;
  }
}

/** A take whose condition failed, with the bucket state it found (undefined: not known). */
class LostTake {
  constructor(readonly lostTat: number | undefined) {}
}

/** How long the pacing item outlives the end of its queue. */
export const PACING_TTL_MARGIN_SECONDS = 3600;

/** The item's TTL (epoch seconds) for a queue ending at `queueEndMs`: the margin after it. */
const expiry = (queueEndMs: number): number => {
  if (!Number.isFinite(queueEndMs)) throw new RangeError('pacing takes must be bounded (a finite wait)');
  return Math.ceil(queueEndMs / 1000) + PACING_TTL_MARGIN_SECONDS;
};

/** Records the turn's refusal (its later requests meet it too) and throws it. */
function refuse(
  turn: PacingTurn,
  operation: string,
  retryAfterSeconds: number,
  reservation: PacingReservation | null,
): never {
  const refusal = new VendorPacingError(operation, retryAfterSeconds, reservation);
  turn.refusal = refusal;
  throw refusal;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
