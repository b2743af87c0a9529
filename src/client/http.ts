/**
 * One HTTP exchange: fetch with a timeout, the same-origin bearer policy and manual redirects that
 * drop `Authorization` once a hop leaves the API origin. Errors never carry URLs or tokens.
 */
import { Readable } from 'node:stream';
import { SimulacraApiError, SimulacraInputError, SimulacraNetworkError } from './errors.ts';
import { networkErrorCode } from './problem.ts';

/** The subset of `fetch` the client uses (inject a wrapper in tests). */
export type FetchLike = (input: URL | string, init: RequestInit) => Promise<Response>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export interface SendRequest {
  /** Operation name for error messages (e.g. `getGeneration`). */
  readonly operation: string;
  readonly method: string;
  readonly url: URL;
  /** Origin the bearer token belongs to (the API base's origin). */
  readonly apiOrigin: string;
  /** Bearer token, sent only while every hop is on `apiOrigin`. */
  readonly bearer: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string (JSON) or a stream of bytes (multipart); streams are sent with `duplex: 'half'`. */
  readonly body?: string | AsyncIterable<Uint8Array> | null;
  readonly timeoutMs: number;
}

export interface SendResult {
  readonly response: Response;
  /** Stops the timeout; call once the body is read (or when handing a stream to the caller). */
  readonly settle: () => void;
  /** The signal that aborts the exchange on timeout (also aborts the body stream). */
  readonly signal: AbortSignal;
}

/** True when `url` is on `origin` (scheme, host and port), i.e. may receive the bearer token. */
export function isSameOrigin(url: URL, origin: string): boolean {
  return url.origin === origin;
}

function findInputError(err: unknown): SimulacraInputError | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current instanceof SimulacraInputError) return current;
    current = current.cause;
  }
  return null;
}

/**
 * Wraps an async iterable in a web stream that pulls one chunk at a time and enqueues it as is
 * (fetch's own conversion copies every chunk into a byte stream).
 */
function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done === true) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function isRedirectRefusal(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Error && /redirect/i.test(cause.message);
}

/** Turns a fetch/stream failure into a log-safe error (no URL, no token, no body). */
export function toNetworkError(
  operation: string,
  err: unknown,
  timedOut: boolean,
  timeoutMs: number,
): SimulacraNetworkError | SimulacraInputError {
  const input = findInputError(err);
  if (input) return input;
  if (timedOut) return new SimulacraNetworkError(operation, `timed out after ${timeoutMs} ms`);
  const code = networkErrorCode(err);
  const kind = err instanceof Error ? err.name : 'Error';
  return new SimulacraNetworkError(operation, `network error (${code ?? kind})`);
}

/**
 * Sends one request. Redirects are followed by hand for GET/HEAD only (a streamed upload cannot be
 * replayed; its 3xx is returned to the caller). Once a hop leaves `apiOrigin`, `Authorization` is
 * dropped for the rest of the chain, even if a later hop comes back.
 */
export async function send(fetchImpl: FetchLike, request: SendRequest): Promise<SendResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${request.timeoutMs} ms`, 'TimeoutError'));
  }, request.timeoutMs);
  timer.unref?.();
  const settle = () => clearTimeout(timer);

  let url = request.url;
  let bearerAllowed = isSameOrigin(url, request.apiOrigin);
  const followRedirects = request.method === 'GET' || request.method === 'HEAD';
  try {
    for (let hop = 0; ; hop += 1) {
      const headers: Record<string, string> = { ...request.headers };
      if (bearerAllowed && request.bearer) headers.authorization = `Bearer ${request.bearer}`;
      const body = request.body ?? null;
      const init: RequestInit & { duplex?: 'half' } = {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: controller.signal,
      };
      if (typeof body === 'string') {
        init.body = body;
      } else if (body !== null) {
        init.body = toWebStream(body);
        init.duplex = 'half';
        // With any other redirect mode fetch tees a stream body (to replay it on redirect) and keeps
        // every chunk of the unread branch in memory; uploads are never re-sent across redirects anyway.
        init.redirect = 'error';
      }
      const response = await fetchImpl(url, init);
      const location = response.headers.get('location');
      if (!followRedirects || !REDIRECT_STATUSES.has(response.status) || location === null) {
        return { response, settle, signal: controller.signal };
      }
      await response.body?.cancel().catch(() => undefined);
      if (hop + 1 > MAX_REDIRECTS) {
        throw new SimulacraNetworkError(request.operation, `more than ${MAX_REDIRECTS} redirects`);
      }
      url = new URL(location, url);
      if (!isSameOrigin(url, request.apiOrigin)) bearerAllowed = false;
    }
  } catch (err) {
    settle();
    if (err instanceof SimulacraNetworkError) throw err;
    if (isRedirectRefusal(err)) {
      throw new SimulacraApiError({
        operation: request.operation,
        problem: {
          type: 'about:blank',
          title: 'Unexpected redirect',
          status: 308,
          detail:
            'the API answered an upload with a redirect; check apiBase (uploads are not re-sent across redirects)',
          code: null,
          request_id: null,
        },
        xRequestId: null,
        retryable: false,
      });
    }
    throw toNetworkError(request.operation, err, timedOut, request.timeoutMs);
  }
}

/** Reads a whole (small) response body as text; a truncated or timed-out body is a network error. */
export async function readText(operation: string, result: SendResult, timeoutMs: number): Promise<string> {
  try {
    return await result.response.text();
  } catch (err) {
    throw toNetworkError(operation, err, result.signal.aborted, timeoutMs);
  } finally {
    result.settle();
  }
}

/**
 * A streamed response body (after the headers arrived) as a Node stream. A connection cut or a
 * body shorter than its `Content-Length` fails it with a log-safe {@link SimulacraNetworkError},
 * retryable like a failure before the headers, instead of the fetch implementation's raw error.
 */
export function streamBody(operation: string, response: Response): Readable {
  if (!response.body) return Readable.from([]);
  const source = Readable.fromWeb(response.body);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source) yield chunk as Uint8Array;
    } catch (err) {
      throw toNetworkError(operation, err, false, 0);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
