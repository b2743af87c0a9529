/**
 * The client's HTTP plumbing: one call through the retry loop (jittered backoff, deadline,
 * Retry-After), the bearer token only to the API origin, one re-mint on 401, identical bytes on
 * every attempt, and JSON decoding of the answer.
 */
import type * as z from '../contracts/zod.ts';
import type { ResponseMeta } from './contract.ts';
import { decode, parseJson } from './decode.ts';
import {
  ArtifactUrlExpiredError,
  SimulacraApiError,
  SimulacraInputError,
  SimulacraNetworkError,
} from './errors.ts';
import { isSameOrigin, readText, send } from './http.ts';
import type { FetchLike, SendResult } from './http.ts';
import type { MultipartBody } from './multipart.ts';
import { classifyError, classifyProblem, parseProblem } from './problem.ts';
import { nextDelay, parseRetryAfter, resolveRetryOptions, systemClock } from './retry.ts';
import type { Clock, RetryOptions } from './retry.ts';
import type { VendorPacer } from './pacing.ts';
import type { TokenProvider } from './token-provider.ts';

export interface TransportOptions {
  /** API base URL, e.g. `https://api.simulacra-data.com` (the spec's server URL is empty). */
  readonly apiBase: string;
  readonly tokenProvider: TokenProvider;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  readonly retry?: RetryOptions;
  /**
   * Timeout of one HTTP attempt in ms (default 120 s: above `wait_seconds` ≤ 60 plus upload time).
   * For downloads it bounds the wait for response headers; the body then streams at its own pace.
   */
  readonly timeoutMs?: number;
  /** Time sources for tests (sleep, random, now). */
  readonly clock?: Partial<Clock>;
  /** Shared pacing every request waits for (e.g. {@link DynamoDbPacer}); none by default. */
  readonly pacer?: VendorPacer;
  /**
   * When every call must have ended (epoch ms, read at each call; null: no such bound), e.g. the
   * Lambda invocation's end: a call then gives up, with a retryable {@link SimulacraNetworkError},
   * before its host stops it, however long `retry.deadlineMs` and `timeoutMs` are.
   */
  readonly deadline?: () => number | null;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

const JSON_ACCEPT = 'application/json, application/problem+json';
const USER_AGENT = 'simulacra-pipeline-client/1';

export interface CallSpec {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path (already URL-encoded) or an absolute URL (downloads). */
  readonly target: string | URL;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Send the bearer token (only ever to the API origin). */
  readonly auth: boolean;
  /** Serialised once, so every attempt sends identical bytes. */
  readonly json?: unknown;
  readonly multipart?: MultipartBody;
  readonly idempotencyKey?: string;
  /** Retry transient failures (429/5xx/network). POSTs only with an Idempotency-Key or natural idempotency. */
  readonly retry: boolean;
  /** Statuses handled by the success path besides 2xx (e.g. 404 for delete). */
  readonly alsoAccept?: readonly number[];
  /** `Accept` header (JSON and problem+json unless given). */
  readonly accept?: string;
  /** Turns an API error into another error (e.g. download 404 → ArtifactUrlExpiredError). */
  readonly mapError?: (err: SimulacraApiError) => Error;
}

export interface Exchange {
  readonly result: SendResult;
  readonly meta: ResponseMeta;
}

/** Sends calls for {@link SimulacraClient}; one per client. */
export class ApiTransport {
  readonly base: URL;
  readonly timeoutMs: number;
  readonly #tokens: TokenProvider;
  readonly #fetch: FetchLike;
  readonly #retry: Required<RetryOptions>;
  readonly #clock: Clock;
  readonly #pacer: VendorPacer | null;
  readonly #deadline: () => number | null;

  constructor(options: TransportOptions) {
    let base: URL;
    try {
      base = new URL(options.apiBase);
    } catch {
      throw new SimulacraInputError(
        'apiBase',
        'must be an absolute http(s) URL such as https://api.simulacra-data.com',
      );
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new SimulacraInputError('apiBase', 'must use http or https');
    }
    this.base = base;
    this.#tokens = options.tokenProvider;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retry = resolveRetryOptions(options.retry);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#clock = { ...systemClock, ...options.clock };
    this.#pacer = options.pacer ?? null;
    this.#deadline = options.deadline ?? (() => null);
  }

  /** The retry options of a call started at `startedAt`: its deadline cut to the caller's bound. */
  #retryFor(operation: string, startedAt: number): Required<RetryOptions> {
    const bound = this.#deadline();
    if (bound === null || bound >= startedAt + this.#retry.deadlineMs) return this.#retry;
    if (bound <= startedAt) {
      throw new SimulacraNetworkError(operation, "no time left before the caller's deadline");
    }
    return { ...this.#retry, deadlineMs: bound - startedAt };
  }

  async json<T extends object>(
    operation: string,
    schema: z.ZodMiniType<T>,
    spec: Omit<CallSpec, 'operation'>,
  ): Promise<T & { meta: ResponseMeta }> {
    const { body, meta } = await this.jsonWithMeta(operation, schema, spec);
    return { ...body, meta };
  }

  async jsonWithMeta<T>(
    operation: string,
    schema: z.ZodMiniType<T>,
    spec: Omit<CallSpec, 'operation'>,
  ): Promise<{ body: T; meta: ResponseMeta }> {
    let decoded: { body: T; meta: ResponseMeta } | undefined;
    await this.exchange({ ...spec, operation }, async ({ result, meta }) => {
      const text = await readText(operation, result, this.timeoutMs);
      decoded = { body: decode(operation, schema, parseJson(operation, text)), meta };
    });
    if (!decoded) throw new Error(`${operation}: no response decoded`);
    return decoded;
  }

  #url(target: string | URL, query: CallSpec['query']): URL {
    const url =
      typeof target === 'string'
        ? new URL(`${this.base.href.replace(/\/+$/, '')}${target}`)
        : new URL(target.href);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /**
   * Runs one call through the retry loop. `consume` runs inside the loop, so a body that is
   * truncated while being read is retried like any other transient failure.
   */
  async exchange(spec: CallSpec, consume?: (exchange: Exchange) => Promise<void>): Promise<Exchange> {
    const clock = this.#clock;
    const startedAt = clock.now();
    const retry = this.#retryFor(spec.operation, startedAt);
    const url = this.#url(spec.target, spec.query);
    const apiOrigin = this.base.origin;
    const sendsBearer = spec.auth && isSameOrigin(url, apiOrigin);
    const jsonBody = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    const headers: Record<string, string> = { accept: spec.accept ?? JSON_ACCEPT, 'user-agent': USER_AGENT };
    if (jsonBody !== undefined) headers['content-type'] = 'application/json';
    if (spec.multipart) {
      headers['content-type'] = spec.multipart.contentType;
      if (spec.multipart.contentLength !== null)
        headers['content-length'] = String(spec.multipart.contentLength);
    }
    if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;

    let reminted = false;
    for (let attempt = 1; ; attempt += 1) {
      let retryAfterMs: number | null = null;
      let failure: unknown;
      try {
        const bearer = sendsBearer ? await this.#tokens.getToken() : null;
        if (this.#pacer) await this.#pacer.acquire(spec.operation);
        const remaining = startedAt + retry.deadlineMs - clock.now();
        const timeoutMs = Math.max(1, Math.min(this.timeoutMs, remaining));
        const result = await send(this.#fetch, {
          operation: spec.operation,
          method: spec.method,
          url,
          apiOrigin,
          bearer,
          headers,
          body: spec.multipart ? spec.multipart.open() : (jsonBody ?? null),
          timeoutMs,
        });
        const { response } = result;
        const meta: ResponseMeta = {
          httpStatus: response.status,
          xRequestId: response.headers.get('x-request-id'),
          attempts: attempt,
        };
        if ((response.status >= 200 && response.status < 300) || spec.alsoAccept?.includes(response.status)) {
          const exchange = { result, meta };
          if (consume) await consume(exchange);
          return exchange;
        }
        const text = await readText(spec.operation, result, timeoutMs);
        const problem = {
          ...parseProblem(response.status, response.statusText, text),
          status: response.status,
        };
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        const apiError = new SimulacraApiError({
          operation: spec.operation,
          problem,
          xRequestId: meta.xRequestId,
          retryable: classifyProblem(problem) === 'retryable',
          retryAfterSeconds: retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1000),
        });
        if (response.status === 401 && bearer !== null && !reminted) {
          // The token was revoked or expired early: re-mint exactly once, immediately.
          this.#tokens.invalidate(bearer);
          reminted = true;
          continue;
        }
        failure = spec.mapError ? spec.mapError(apiError) : apiError;
      } catch (err) {
        failure = err;
      }
      const retryable =
        spec.retry && !(failure instanceof ArtifactUrlExpiredError) && classifyError(failure) === 'retryable';
      const delay = retryable ? nextDelay({ attempt, startedAt, retryAfterMs, options: retry, clock }) : null;
      if (delay === null) throw failure;
      await clock.sleep(delay);
    }
  }
}
