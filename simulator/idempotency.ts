/**
 * Idempotency-Key handling shared by dataset uploads, generations and credential rotations:
 * key validation, request fingerprints, replay of the stored response, and 409 for a different
 * fingerprint or a request still in flight. Keys live 24 h.
 */
import { createHash } from 'node:crypto';
import type { SimContext } from './context.ts';
import { ProblemError, invalidField } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const KEY_TTL_MS = 24 * 3_600_000;

/**
 * The request's idempotency key from the `Idempotency-Key` header or the body field
 * `idempotency_key`; 400 when malformed or when both are present and differ.
 */
export function idempotencyKeyOf(rc: RequestContext, bodyKey: unknown): string | null {
  const header = rc.req.headers['idempotency-key'];
  const headerKey = Array.isArray(header) ? header[0] : header;
  if (bodyKey !== undefined && bodyKey !== null && typeof bodyKey !== 'string') {
    throw invalidField('idempotency_key must be a string matching ^[A-Za-z0-9._:-]{1,128}$.');
  }
  if (headerKey !== undefined && typeof bodyKey === 'string' && bodyKey !== headerKey) {
    throw invalidField(
      'Idempotency-Key header and idempotency_key field differ: send the key once, in the header.',
    );
  }
  const key = headerKey ?? (bodyKey as string | undefined) ?? null;
  if (key !== null && !KEY_PATTERN.test(key)) {
    throw invalidField('Idempotency-Key must match ^[A-Za-z0-9._:-]{1,128}$.');
  }
  return key;
}

/** JSON with object keys sorted recursively, so equal requests have equal fingerprints. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 hex of the canonical JSON of `value`. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A claimed idempotency slot: call `complete` with the response, or `abandon` on failure. */
export interface IdempotencySlot {
  complete(reply: Reply): void;
  abandon(): void;
}

/**
 * Starts idempotent work under `scope` + `key`. Returns the stored reply for a replay (with
 * `replayStatus` overriding the stored status, for rotations), or a slot for new work.
 * Throws 409 `simio_idempotency_conflict` for a different fingerprint or a request in flight.
 */
export function beginIdempotent(
  ctx: SimContext,
  scope: string,
  key: string | null,
  print: string,
  replayStatus?: number,
): { replay: Reply } | { slot: IdempotencySlot } {
  const noop: IdempotencySlot = { complete: () => undefined, abandon: () => undefined };
  if (key === null) return { slot: noop };
  const id = `${scope}|${key}`;
  const records = ctx.store.data.idempotency;
  const existing = records[id];
  if (existing && existing.createdAt + KEY_TTL_MS > ctx.now()) {
    if (existing.fingerprint !== print) {
      throw new ProblemError(
        409,
        'simio_idempotency_conflict',
        'idempotency_key was used with a different request body.',
      );
    }
    if (existing.state === 'in_flight') {
      throw new ProblemError(
        409,
        'simio_idempotency_conflict',
        'A request with this idempotency_key is still in flight; retry the identical request later.',
      );
    }
    ctx.counters.add('idempotentReplays');
    return { replay: { status: replayStatus ?? existing.status, json: existing.body } };
  }
  records[id] = { fingerprint: print, state: 'in_flight', status: 0, body: null, createdAt: ctx.now() };
  return {
    slot: {
      complete(reply) {
        records[id] = {
          fingerprint: print,
          state: 'done',
          status: reply.status,
          body: reply.json,
          createdAt: ctx.now(),
        };
        ctx.store.save();
      },
      abandon() {
        delete records[id];
      },
    },
  };
}

/**
 * Runs `work` as new idempotent work under `scope` + `key` (see {@link beginIdempotent}): a
 * replay answers with the stored reply; otherwise the reply of `work` is stored for replays, and
 * a failure frees the key so the identical request can be retried.
 */
export async function runIdempotent(
  ctx: SimContext,
  scope: string,
  key: string | null,
  print: string,
  work: () => Promise<Reply>,
): Promise<Reply> {
  const started = beginIdempotent(ctx, scope, key, print);
  if ('replay' in started) return started.replay;
  try {
    const reply = await work();
    started.slot.complete(reply);
    return reply;
  } catch (error) {
    started.slot.abandon();
    throw error;
  }
}

/** Records `work` as executed; returns true (and counts duplicate work) when it ran before. */
export function recordWork(ctx: SimContext, work: string): boolean {
  const done = ctx.store.data.workDone;
  const seen = done[work] !== undefined;
  done[work] = (done[work] ?? 0) + 1;
  if (seen) ctx.counters.add('duplicateWork');
  return seen;
}

/**
 * Forgets one execution of `work` whose result the vendor no longer holds (an expired or deleted
 * dataset's training): doing it again is then necessary, not duplicate.
 */
export function forgetWork(ctx: SimContext, work: string): void {
  const done = ctx.store.data.workDone;
  const count = (done[work] ?? 0) - 1;
  if (count > 0) done[work] = count;
  else delete done[work];
}
