/**
 * The HTTP pipeline shared by the API and the storage listener: request ids, route matching,
 * call counters, fault injection (status, latency, reset, truncate, rate limit), handler errors to
 * problem+json, and writing the reply with `X-Request-Id` on every response.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimContext } from './context.ts';
import { newId } from './ids.ts';
import { ProblemError, statusTitle } from './problems.ts';
import type { Reply, RequestContext, Router } from './router.ts';

function problemReply(error: ProblemError, requestId: string): Reply {
  return {
    status: error.status,
    json: { ...error.body(), request_id: requestId },
    headers: error.headers,
    problem: true,
  };
}

function faultReply(
  status: number,
  retryAfterSeconds: number | undefined,
  rateLimited: boolean,
  requestId: string,
): Reply {
  const detail =
    status === 429
      ? rateLimited
        ? 'Rate limit exceeded.'
        : 'Too many requests; retry after the Retry-After delay.'
      : status === 503
        ? 'Service temporarily unavailable.'
        : status === 504
          ? 'Upstream timeout.'
          : status === 502
            ? 'Upstream error.'
            : 'An unexpected error occurred.';
  const code = status === 429 ? 'simio_rate_limited' : undefined;
  const error = new ProblemError(status, code, detail);
  const retryAfter = retryAfterSeconds ?? (status === 429 || status === 503 ? 1 : undefined);
  return {
    ...problemReply(error, requestId),
    headers: retryAfter !== undefined ? { 'retry-after': String(Math.ceil(retryAfter)) } : {},
  };
}

function writeReply(
  res: ServerResponse,
  reply: Reply,
  requestId: string,
  cut: { reset: boolean; truncate: boolean },
): void {
  let body: Buffer | null = null;
  let contentType: string | null = null;
  if (reply.raw) {
    body = reply.raw.body;
    contentType = reply.raw.contentType;
  } else if (reply.json !== undefined) {
    body = Buffer.from(JSON.stringify(reply.json));
    contentType = reply.problem ? 'application/problem+json' : 'application/json';
  }
  const headers: Record<string, string | number> = { 'x-request-id': requestId, ...reply.headers };
  if (contentType) headers['content-type'] = contentType;
  if (body) headers['content-length'] = body.length;
  res.writeHead(reply.status, statusTitle(reply.status), headers);
  const socket = res.socket;
  if ((cut.reset || cut.truncate) && socket) {
    const half = body ? body.subarray(0, Math.floor(body.length / 2)) : Buffer.alloc(0);
    res.write(half, () => {
      if (cut.reset) socket.resetAndDestroy();
      else socket.destroySoon();
    });
    if (half.length === 0) res.flushHeaders();
    return;
  }
  res.end(body ?? undefined);
}

/** Builds the request listener of one listener (API or storage) over `router`. */
export function createListener(ctx: SimContext, router: Router, origin: () => string): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    void handle(ctx, router, origin(), req, res);
  };
}

async function handle(
  ctx: SimContext,
  router: Router,
  origin: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const requestId = newId('req_');
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', origin);
  const match = router.match(method, url.pathname);
  const route = match.kind === 'not-found' ? `${method} <unmatched>` : match.route;
  ctx.counters.call(route);
  const template = match.kind === 'not-found' ? null : route.slice(method.length + 1);
  const faults = ctx.faults.forRequest(method, url.pathname, template, Date.now());
  res.on('error', () => undefined);
  let reply: Reply;
  try {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults.status) {
      req.resume();
      reply = faultReply(
        faults.status.status,
        faults.status.retryAfterSeconds,
        faults.status.rateLimited,
        requestId,
      );
    } else if (match.kind === 'not-found') {
      req.resume();
      reply = problemReply(
        new ProblemError(404, undefined, `No route for ${method} ${url.pathname}.`),
        requestId,
      );
    } else if (match.kind === 'method-not-allowed') {
      req.resume();
      reply = {
        ...problemReply(new ProblemError(405, undefined, `Method ${method} is not allowed here.`), requestId),
        headers: { allow: match.allowed.join(', ') },
      };
    } else {
      const rc: RequestContext = { req, method, url, params: match.params, route, requestId };
      reply = await match.handler(rc);
    }
  } catch (error) {
    if (error instanceof ProblemError) {
      reply = problemReply(error, requestId);
    } else {
      reply = problemReply(
        new ProblemError(500, 'simio_internal_error', 'An unexpected error occurred.', { cause: error }),
        requestId,
      );
      process.emitWarning(
        `simulator: unhandled error on ${route}: ${(error as Error).stack ?? String(error)}`,
      );
    }
  }
  if (res.destroyed) return;
  writeReply(res, reply, requestId, faults);
}
