/**
 * Shared pacing of vendor requests: a token bucket (kept as a GCRA "theoretical arrival time")
 * in the pipeline's DynamoDB state table, drawn from by every Lambda container and every run of
 * a deployment, so concurrent runs take turns instead of all meeting the vendor's 429s. Each
 * take is one atomic conditional UpdateItem on one item (`PACING#<client_id>` / `PACING`):
 * `tat += interval` while there is a backlog, `tat = now + interval` once the bucket has refilled.
 * There is no read-then-write race, so N runs taking at once cost about N writes, not N². For the operations whose pipeline step can wait outside
 * ({@link QUEUED_OPERATIONS}), a short wait for the next request is slept in process and a longer
 * one is refused with {@link VendorPacingError}, so the step waits in a Step Functions Wait; a step
 * that carries a reservation through that Wait reserves the slot as it is refused and goes on it
 * without taking again (src/client/pacing-reservation.ts). Other
 * operations (a schema read, a download while landing) have no Wait to carry a reservation
 * through: they take a slot only when it starts within `maxInlineWaitOtherMs`, sleep until it and
 * go on it. Behind a deeper backlog they take nothing (a slot far ahead that they would not wait
 * for would push every later reservation back by one interval, and going at once would exceed
 * the vendor's rate) and are refused with {@link VendorPacingError} like a queued call outside a
 * turn: a step with a wait loop waits in Step Functions, any other fails with `VendorPacedError`,
 * whose Retry policy is patient enough to outlast the deepest queue of reservations.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VendorPacingError } from './errors.ts';
import {
  DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
  MAX_RESERVATION_AHEAD_MS,
  currentPacingTurn,
  decideReservation,
  secondsBefore,
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
    const now = this.#options.now ?? Date.now;
    const sleep = this.#options.sleep ?? defaultSleep;
    const queued = (this.#options.queuedOperations ?? QUEUED_OPERATIONS).has(operation);
    const maxInlineOther = this.#options.maxInlineWaitOtherMs ?? DEFAULT_MAX_INLINE_WAIT_OTHER_MS;
    const maxInline = queued ? (this.#options.maxInlineWaitMs ?? 1_000) : maxInlineOther;
    // A step that carries a reservation through its Wait: a queued operation reserves its slot.
    const turn = queued ? currentPacingTurn() : undefined;
    if (turn && !turn.used && turn.held?.operation === operation) {
      const held = turn.held;
      const use = decideReservation(
        held,
        now(),
        maxInline,
        this.#options.reservationGraceMs,
        turn.startedAt,
        maxInlineOther,
      );
      if (use.use === 'early') throw new VendorPacingError(operation, secondsBefore(use.waitMs), held);
      if (use.use === 'go') {
        turn.used = true;
        if (use.waitMs > 0) await sleep(use.waitMs);
        return;
      }
    }
    const maxAhead = turn ? Math.max(maxInline, MAX_RESERVATION_AHEAD_MS) : maxInline;
    for (let race = 0; race < MAX_RACES; race += 1) {
      const at = now();
      const backlogFirst = this.#lastTat !== null && this.#lastTat >= at;
      let waitMs = backlogFirst ? await this.#takeQueued(at, maxAhead) : await this.#takeIdle(at);
      // A lost take returns the bucket's state: the other take (at the same `at`) only if that
      // state admits it, and no read below. Without it (item absent or not returned): as before.
      if (waitMs instanceof LostTake && this.#otherTakeApplies(waitMs.lostTat, backlogFirst, at, maxAhead))
        waitMs = backlogFirst ? await this.#takeIdle(at) : await this.#takeQueued(at, maxAhead);
      if (waitMs instanceof LostTake) {
        // No take applied: the backlog is longer than this caller may wait or reserve, or the
        // other take applies, or the bucket moved (the loop takes again).
        const tat = waitMs.lostTat ?? (await this.#readTat());
        const decision = decidePacing(tat, now(), this.#options, maxAhead);
        if (decision.nextTat !== null) continue;
        const spread = 1 + (this.#options.random ?? Math.random)() * 0.25;
        throw new VendorPacingError(operation, Math.max(1, Math.ceil((decision.waitMs * spread) / 1000)));
      }
      if (waitMs > maxInline) {
        // Reserved (only within a turn): the slot is this caller's; it comes back for it.
        throw new VendorPacingError(operation, secondsBefore(waitMs), { operation, reservedAt: at + waitMs });
      }
      if (waitMs > 0) await sleep(waitMs);
      return;
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

  /** Backlog: one atomic `tat += interval` if the slot is within `maxWaitMs`; the wait, or lost. */
  async #takeQueued(at: number, maxWaitMs: number): Promise<number | LostTake> {
    const { requestsPerSecond, burst } = this.#options;
    const interval = 1000 / requestsPerSecond;
    // Every take is bounded: the queue's end never passes `ceiling + interval`, so a TTL from it
    // always outlives the latest slot anyone holds.
    const ceiling = at + (burst - 1) * interval + maxWaitMs;
    const attributes = await this.#update(
      'SET tat = tat + :interval, #ttl = :ttl',
      'tat BETWEEN :now AND :ceiling',
      { ':interval': interval, ':now': at, ':ceiling': ceiling, ':ttl': expiry(ceiling + interval) },
    );
    if (attributes instanceof LostTake) return attributes;
    const start = Number(attributes['tat']) - interval;
    return Math.max(0, Math.ceil(start - (burst - 1) * interval - at));
  }

  /** Refilled bucket (no backlog): one atomic `tat = now + interval`; 0, or lost. */
  async #takeIdle(at: number): Promise<number | LostTake> {
    const next = at + 1000 / this.#options.requestsPerSecond;
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
      const lostTat = tatOf((err as { Item?: Record<string, unknown> }).Item);
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

/**
 * The `tat` of the item a lost conditional write returns (`ALL_OLD`): the document client does not
 * unmarshall an error's item, so `{ N: '…' }` (a plain number is taken too).
 */
function tatOf(item: Record<string, unknown> | undefined): number | undefined {
  const tat = item?.['tat'];
  const value = typeof tat === 'object' && tat !== null ? Number((tat as { N?: unknown }).N) : tat;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** How long the pacing item outlives the end of its queue. */
export const PACING_TTL_MARGIN_SECONDS = 3600;

/** The item's TTL (epoch seconds) for a queue ending at `queueEndMs`: the margin after it. */
const expiry = (queueEndMs: number): number => {
  if (!Number.isFinite(queueEndMs)) throw new RangeError('pacing takes must be bounded (a finite wait)');
  return Math.ceil(queueEndMs / 1000) + PACING_TTL_MARGIN_SECONDS;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
