/**
 * Fault injection for the simulator: per-route or global HTTP faults (status codes with
 * Retry-After, latency, connection reset, truncated body, a requests-per-second limiter) and
 * lifecycle faults (token and download URL lifetimes, failing jobs, datasets expiring mid-run).
 *
 * Grammar of the string form (rules separated by `;`, whitespace around rules ignored):
 *
 * ```
 * rule     := scoped | shorthand | routed
 * scoped   := 'token:expire=' DUR_S                 tokens minted from now on live DUR
 *           | 'download:expire=' DUR_S              download URLs (relay and storage) live DUR
 *           | 'job:fail=' CODE [ 'x' N ] [ '@type=' ('dataset'|'generation') ]
 *                                                   the next N (default: every) jobs fail with CODE
 *           | 'dataset:expire-after=' DUR_S         datasets expire DUR after they become ready
 * shorthand:= ('reset' | 'truncate') ':' ROUTE [ ':' N ]
 * routed   := ROUTE ':' ACTION [ 'x' N ] [ '@' PARAM { ',' PARAM } ]
 * ROUTE    := '*' | [ METHOD ' ' ] PATH             PATH may use '*' (one segment) and '**' (rest),
 *                                                   or the route template, e.g. /v1/jobs/{job_id}
 * ACTION   := '429' | '500' | '502' | '503' | '504' | 'latency=' DUR_MS | 'reset' | 'truncate'
 *           | 'rate=' N '/s'
 * PARAM    := 'p=' FLOAT (probability, seeded RNG) | 'retry=' SECONDS (Retry-After) | 'after=' N
 * DUR_S    := NUMBER ['ms'|'s'|'m'|'h']  (bare number = seconds)
 * DUR_MS   := NUMBER ['ms'|'s'|'m'|'h']  (bare number = milliseconds)
 * ```
 *
 * Example: `POST /v1/datasets:503x3;GET /v1/jobs/*:429@retry=1,p=0.3;*:latency=200ms;token:expire=5s`.
 */

/** What a route fault does to a matching request. */
export type FaultAction =
  | {
      readonly kind: 'status';
      readonly status: 429 | 500 | 502 | 503 | 504;
      readonly retryAfterSeconds?: number;
    }
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'truncate' }
  | { readonly kind: 'rate'; readonly perSecond: number };

/** One per-route (or global, route `*`) HTTP fault. */
export interface RouteFault {
  /** `*`, `METHOD /path/glob` or `/path/glob`. */
  readonly route: string;
  readonly action: FaultAction;
  /** Fire for at most this many matching requests (default: unlimited). */
  readonly count?: number;
  /** Skip this many matching requests first. */
  readonly after?: number;
  /** Fire with this probability (0..1) using the simulator's seeded RNG. */
  readonly probability?: number;
}

/** A job failure to inject. */
export interface JobFault {
  /** `error.code` of the failed job. */
  readonly code: string;
  readonly jobType?: 'dataset_create' | 'generation_create';
  /** Fail at most this many jobs (default: every matching job). */
  readonly count?: number;
}

/** The object form of a fault specification. */
export interface FaultSpec {
  readonly routes?: readonly RouteFault[];
  readonly tokenExpireSeconds?: number;
  readonly downloadExpireSeconds?: number;
  readonly jobFailures?: readonly JobFault[];
  readonly datasetExpireAfterSeconds?: number;
}

/** A fault specification that cannot be parsed; the message names the rule and the fix. */
export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

const GRAMMAR_HINT =
  'Expected e.g. "POST /v1/datasets:503x3", "GET /v1/jobs/*:429@retry=1,p=0.3", "*:latency=200ms", "*:rate=50/s", ' +
  '"reset:GET /v1/generations/*:1", "token:expire=5s", "download:expire=2s", "job:fail=generation_failed", ' +
  '"dataset:expire-after=1s". See docs/simulator.md, "Fault injection".';

function parseDuration(text: string, bareUnitMs: number, rule: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1])
    throw new FaultSpecError(`Invalid duration "${text}" in fault rule "${rule}". ${GRAMMAR_HINT}`);
  const value = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? ''] ?? bareUnitMs;
  return value * unit;
}

function parseCount(text: string | undefined, rule: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new FaultSpecError(`Invalid count "${text}" in fault rule "${rule}".`);
  return n;
}

function parseScoped(rule: string): Partial<Mutable<FaultSpec>> {
  const token = /^token:expire=(.+)$/.exec(rule);
  if (token?.[1]) return { tokenExpireSeconds: parseDuration(token[1], 1000, rule) / 1000 };
  const download = /^download:expire=(.+)$/.exec(rule);
  if (download?.[1]) return { downloadExpireSeconds: parseDuration(download[1], 1000, rule) / 1000 };
  const dataset = /^dataset:expire-after=(.+)$/.exec(rule);
  if (dataset?.[1]) return { datasetExpireAfterSeconds: parseDuration(dataset[1], 1000, rule) / 1000 };
  const job = /^job:fail=([A-Za-z0-9_.-]+?)(?:x(\d+))?(?:@type=(dataset|generation))?$/.exec(rule);
  if (job?.[1]) {
    const failure: JobFault = {
      code: job[1],
      ...(job[2] ? { count: parseCount(job[2], rule) } : {}),
      ...(job[3] ? { jobType: job[3] === 'dataset' ? 'dataset_create' : 'generation_create' } : {}),
    };
    return { jobFailures: [failure] };
  }
  throw new FaultSpecError(`Unknown fault rule "${rule}". ${GRAMMAR_HINT}`);
}

function parseAction(text: string, rule: string): { action: FaultAction; count?: number } {
  const status = /^(429|500|502|503|504)(?:x(\d+))?$/.exec(text);
  if (status?.[1]) {
    return {
      action: { kind: 'status', status: Number(status[1]) as 429 | 500 | 502 | 503 | 504 },
      count: parseCount(status[2], rule),
    };
  }
  const latency = /^latency=([0-9.]+(?:ms|s|m|h)?)(?:x(\d+))?$/.exec(text);
  if (latency?.[1]) {
    return {
      action: { kind: 'latency', ms: parseDuration(latency[1], 1, rule) },
      count: parseCount(latency[2], rule),
    };
  }
  const cut = /^(reset|truncate)(?:x(\d+))?$/.exec(text);
  if (cut?.[1]) return { action: { kind: cut[1] as 'reset' | 'truncate' }, count: parseCount(cut[2], rule) };
  const rate = /^rate=(\d+)\/s$/.exec(text);
  if (rate?.[1]) return { action: { kind: 'rate', perSecond: Number(rate[1]) } };
  throw new FaultSpecError(`Unknown fault action "${text}" in rule "${rule}". ${GRAMMAR_HINT}`);
}

function parseRouted(rule: string): RouteFault {
  const shorthand = /^(reset|truncate):(.+?)(?::(\d+))?$/.exec(rule);
  if (shorthand?.[1] && shorthand[2]) {
    const count = parseCount(shorthand[3], rule);
    return {
      route: shorthand[2].trim(),
      action: { kind: shorthand[1] as 'reset' | 'truncate' },
      ...(count ? { count } : {}),
    };
  }
  const colon = rule.lastIndexOf(':');
  if (colon <= 0) throw new FaultSpecError(`Fault rule "${rule}" has no "<route>:<action>". ${GRAMMAR_HINT}`);
  const route = rule.slice(0, colon).trim();
  const [actionText = '', paramText] = rule
    .slice(colon + 1)
    .trim()
    .split('@', 2);
  const { action: parsed, count } = parseAction(actionText.trim(), rule);
  let action = parsed;
  let probability: number | undefined;
  let after: number | undefined;
  for (const param of (paramText ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [name, value = ''] = param.split('=', 2).map((s) => s.trim());
    if (name === 'p') {
      probability = Number(value);
      if (!(probability >= 0 && probability <= 1)) {
        throw new FaultSpecError(`Probability "p=${value}" in rule "${rule}" must be between 0 and 1.`);
      }
    } else if (name === 'retry' && action.kind === 'status') {
      action = { ...action, retryAfterSeconds: parseDuration(value, 1000, rule) / 1000 };
    } else if (name === 'after') {
      after = Number(value);
      if (!Number.isInteger(after) || after < 0)
        throw new FaultSpecError(`Invalid "after=${value}" in rule "${rule}".`);
    } else {
      throw new FaultSpecError(
        `Unknown parameter "${param}" in fault rule "${rule}". Use p=, retry= or after=.`,
      );
    }
  }
  return {
    route,
    action,
    ...(count !== undefined ? { count } : {}),
    ...(probability !== undefined ? { probability } : {}),
    ...(after !== undefined ? { after } : {}),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Parses the string form of a fault specification (see the module comment for the grammar). */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: Mutable<FaultSpec> = {};
  const routes: RouteFault[] = [];
  const jobFailures: JobFault[] = [];
  for (const raw of text.split(';')) {
    const rule = raw.trim();
    if (rule === '') continue;
    if (/^(token|download|job|dataset):/.test(rule)) {
      const scoped = parseScoped(rule);
      if (scoped.jobFailures) jobFailures.push(...scoped.jobFailures);
      else Object.assign(spec, scoped);
    } else {
      routes.push(parseRouted(rule));
    }
  }
  if (routes.length) spec.routes = routes;
  if (jobFailures.length) spec.jobFailures = jobFailures;
  return spec;
}

/** Deterministic PRNG (mulberry32) so rate-based faults repeat for a given simulator seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function globToRegex(glob: string): RegExp {
  const body = glob
    .split(/(\*\*|\*)/)
    .map((part) =>
      part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

interface CompiledRule {
  readonly fault: RouteFault;
  readonly method: string | null;
  readonly path: RegExp | null;
  matched: number;
  fired: number;
  readonly window: number[];
}

/** The HTTP faults decided for one request. */
export interface RequestFaults {
  /** Answer with this status instead of running the handler. */
  readonly status?: {
    readonly status: number;
    readonly retryAfterSeconds?: number;
    readonly rateLimited: boolean;
  };
  readonly latencyMs: number;
  /** Cut the connection after part of the response. */
  readonly reset: boolean;
  /** Send a Content-Length but only half of the body. */
  readonly truncate: boolean;
}

/** Applies a {@link FaultSpec}; one instance per simulator, replaced by `setFaults`. */
export class FaultInjector {
  readonly spec: FaultSpec;
  private readonly rules: CompiledRule[];
  private readonly jobBudget: Array<{ fault: JobFault; used: number }>;
  private readonly random: () => number;
  /** How many times each fault kind fired, e.g. `status:503`, `reset`, `job:generation_failed`. */
  readonly fired = new Map<string, number>();

  constructor(spec: FaultSpec | string | undefined, seed: number) {
    this.spec = typeof spec === 'string' ? parseFaultSpec(spec) : (spec ?? {});
    this.random = seededRandom(seed);
    this.rules = (this.spec.routes ?? []).map((fault) => {
      const m = /^(?:([A-Z]+)\s+)?(\S+)$/.exec(fault.route.trim());
      if (!m?.[2]) throw new FaultSpecError(`Invalid fault route "${fault.route}". ${GRAMMAR_HINT}`);
      const path = m[2] === '*' ? null : globToRegex(m[2]);
      return { fault, method: m[1] ?? null, path, matched: 0, fired: 0, window: [] };
    });
    this.jobBudget = (this.spec.jobFailures ?? []).map((fault) => ({ fault, used: 0 }));
  }

  private count(kind: string): void {
    this.fired.set(kind, (this.fired.get(kind) ?? 0) + 1);
  }

  /** Decides the faults of one request; `template` is the matched route template, if any. */
  forRequest(method: string, pathname: string, template: string | null, nowMs: number): RequestFaults {
    let status: RequestFaults['status'];
    let latencyMs = 0;
    let reset = false;
    let truncate = false;
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue;
      if (rule.path && !rule.path.test(pathname) && !(template !== null && rule.path.test(template)))
        continue;
      const { action } = rule.fault;
      if (action.kind === 'rate') {
        while (rule.window.length && (rule.window[0] ?? 0) <= nowMs - 1000) rule.window.shift();
        if (rule.window.length >= action.perSecond) {
          if (!status) {
            const oldest = rule.window[0] ?? nowMs;
            status = {
              status: 429,
              retryAfterSeconds: Math.max(1, Math.ceil((oldest + 1000 - nowMs) / 1000)),
              rateLimited: true,
            };
            this.count('rate');
          }
        } else {
          rule.window.push(nowMs);
        }
        continue;
      }
      rule.matched += 1;
      if (rule.fault.after !== undefined && rule.matched <= rule.fault.after) continue;
      if (rule.fault.count !== undefined && rule.fired >= rule.fault.count) continue;
      if (rule.fault.probability !== undefined && this.random() >= rule.fault.probability) continue;
      if (action.kind === 'status') {
        if (status) continue;
        status = {
          status: action.status,
          ...(action.retryAfterSeconds !== undefined ? { retryAfterSeconds: action.retryAfterSeconds } : {}),
          rateLimited: false,
        };
      } else if (action.kind === 'latency') latencyMs += action.ms;
      else if (action.kind === 'reset') reset = true;
      else truncate = true;
      rule.fired += 1;
      this.count(action.kind === 'status' ? `status:${action.status}` : action.kind);
    }
    return { ...(status ? { status } : {}), latencyMs, reset, truncate };
  }

  /** The error code a new job of `jobType` must fail with, if a job fault applies (consumes it). */
  takeJobFailure(jobType: 'dataset_create' | 'generation_create'): string | undefined {
    for (const entry of this.jobBudget) {
      if (entry.fault.jobType && entry.fault.jobType !== jobType) continue;
      if (entry.fault.count !== undefined && entry.used >= entry.fault.count) continue;
      entry.used += 1;
      this.count(`job:${entry.fault.code}`);
      return entry.fault.code;
    }
    return undefined;
  }
}
