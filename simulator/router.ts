/**
 * A tiny method + path-template router. Templates use `{name}` for one path segment; the matched
 * template (e.g. `GET /v1/jobs/{job_id}`) is the route label that counters and faults use.
 */
import type { IncomingMessage } from 'node:http';

/** What a handler sees of one request. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly method: string;
  readonly url: URL;
  /** Decoded path parameters. */
  readonly params: Readonly<Record<string, string>>;
  /** The route label, `METHOD /template`, or `METHOD <path>` when nothing matched. */
  readonly route: string;
  /** Correlation id of this request (`req_…`), sent as `X-Request-Id`. */
  readonly requestId: string;
}

/** A handler's answer: a JSON body, raw bytes, or nothing (204). */
export interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly raw?: { readonly body: Buffer; readonly contentType: string };
  readonly headers?: Readonly<Record<string, string>>;
  /** Problem replies use application/problem+json. */
  readonly problem?: boolean;
}

export type Handler = (ctx: RequestContext) => Promise<Reply>;

interface Route {
  readonly method: string;
  readonly template: string;
  readonly regex: RegExp;
  readonly keys: readonly string[];
  readonly handler: Handler;
}

/** The result of matching a request against the routes. */
export type RouteMatch =
  | { kind: 'found'; route: string; params: Record<string, string>; handler: Handler }
  | { kind: 'method-not-allowed'; route: string; allowed: string[] }
  | { kind: 'not-found' };

export class Router {
  private readonly routes: Route[] = [];

  /** Registers `handler` for `method` and a template such as `/v1/datasets/{dataset_id}`. */
  add(method: string, template: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = template
      .split('/')
      .map((segment) => {
        const param = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
        if (param?.[1]) {
          keys.push(param[1]);
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, template, regex: new RegExp(`^${pattern}$`), keys, handler });
    return this;
  }

  /** Finds the route of `method` + `pathname`. */
  match(method: string, pathname: string): RouteMatch {
    const allowed: string[] = [];
    let template = '';
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        template = route.template;
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        params[key] = safeDecode(m[i + 1] ?? '');
      });
      return { kind: 'found', route: `${method} ${route.template}`, params, handler: route.handler };
    }
    if (allowed.length > 0) return { kind: 'method-not-allowed', route: `${method} ${template}`, allowed };
    return { kind: 'not-found' };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
