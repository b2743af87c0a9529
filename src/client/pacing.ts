/**
 * Shared pacing of vendor requests: a token bucket (kept as a GCRA "theoretical arrival time")
 * in the pipeline's DynamoDB state table, drawn from by every Lambda container and every run of
 * a deployment, so concurrent runs take turns instead of all meeting the vendor's 429s. Each
 * take is a read plus a conditional write on one item (`PACING#<client_id>` / `PACING`); a lost
 * race reads again. For the operations whose pipeline step can wait outside
 * ({@link QUEUED_OPERATIONS}), a short wait for the next request is slept in process and a longer
 * one is refused with {@link VendorPacingError}, so the step waits in a Step Functions Wait. Other
 * operations (a schema read, a download while landing) take their turn in process, sleeping at
 * most `maxInlineWaitOtherMs` before they go anyway.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VendorPacingError } from './errors.ts';

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
  /** Longest wait slept by any other operation before it goes anyway (default 5 s). */
  readonly maxInlineWaitOtherMs?: number;
  /** Operations refused (rather than slept) beyond `maxInlineWaitMs` (default {@link QUEUED_OPERATIONS}). */
  readonly queuedOperations?: ReadonlySet<string>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
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
  readonly #key: string;

  constructor(options: DynamoDbPacerOptions) {
    validatePacingRate(options);
    this.#options = options;
    this.#key = `PACING#${options.clientId}`;
  }

  async acquire(operation: string): Promise<void> {
    const { dynamo, tableName } = this.#options;
    const now = this.#options.now ?? Date.now;
    const queued = (this.#options.queuedOperations ?? QUEUED_OPERATIONS).has(operation);
    const maxInline = queued ? (this.#options.maxInlineWaitMs ?? 1_000) : Number.POSITIVE_INFINITY;
    const sleepCap = queued ? maxInline : (this.#options.maxInlineWaitOtherMs ?? 5_000);
    for (let race = 0; race < MAX_RACES; race += 1) {
      const { Item } = await dynamo.send(
        new GetCommand({
          TableName: tableName,
          Key: { pk: this.#key, sk: PACING_SORT_KEY },
          ConsistentRead: true,
        }),
      );
      const tat = typeof Item?.['tat'] === 'number' ? Item['tat'] : null;
      const at = now();
      const decision = decidePacing(tat, at, this.#options, maxInline);
      if (decision.nextTat === null) {
        const spread = 1 + (this.#options.random ?? Math.random)() * 0.25;
        throw new VendorPacingError(operation, Math.max(1, Math.ceil((decision.waitMs * spread) / 1000)));
      }
      try {
        await dynamo.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: this.#key,
              sk: PACING_SORT_KEY,
              tat: decision.nextTat,
              ttl: Math.ceil(decision.nextTat / 1000) + 3600,
            },
            ConditionExpression: tat === null ? 'attribute_not_exists(pk)' : 'tat = :tat',
            ...(tat === null ? {} : { ExpressionAttributeValues: { ':tat': tat } }),
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) continue;
        throw err;
      }
      const waitMs = Math.min(decision.waitMs, sleepCap);
      if (waitMs > 0) await (this.#options.sleep ?? defaultSleep)(waitMs);
      return;
    }
    // Every race lost: the bucket is contended right now; come back after a short spell.
    if (queued) throw new VendorPacingError(operation, 1);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
