/**
 * Problem+json parsing, the vendor error-code table, and the one place that decides whether an
 * error is worth retrying ({@link classifyError}).
 */
import {
  ArtifactUrlExpiredError,
  SimulacraApiError,
  SimulacraCredentialsError,
  SimulacraInputError,
  SimulacraNetworkError,
  SimulacraResponseValidationError,
  TokenMintError,
} from './errors.ts';
import type { ErrorClass, ProblemDetails } from './errors.ts';

/** What a vendor error code means for a caller. */
export interface ErrorCodeInfo {
  readonly status: number;
  readonly retryable: boolean;
  readonly meaning: string;
}

/**
 * The v1 error codes (contract notes §4) plus `simio_rate_limited` (§10.9, this project's name for
 * the rotation rate limit). New codes may appear; unknown codes fall back to the HTTP status.
 */
export const ERROR_CODES: Readonly<Record<string, ErrorCodeInfo>> = {
  simio_invalid_field: {
    status: 400,
    retryable: false,
    meaning: 'a form/JSON field or limit/cursor is invalid',
  },
  simio_unknown_condition_column: {
    status: 400,
    retryable: false,
    meaning: 'a condition names a column (or level) that is not in the cleaned schema',
  },
  simio_quota_exhausted: { status: 402, retryable: false, meaning: 'the tenant row quota is used up' },
  simio_dataset_not_found: {
    status: 404,
    retryable: false,
    meaning: 'dataset missing, expired or not yours',
  },
  simio_generation_not_found: {
    status: 404,
    retryable: false,
    meaning: 'generation missing, expired or not yours (or a stale download signature)',
  },
  simio_job_not_found: { status: 404, retryable: false, meaning: 'job missing, expired or not yours' },
  simio_signup_not_found: { status: 404, retryable: false, meaning: 'unknown signup request id' },
  simio_credential_claim_not_found: {
    status: 404,
    retryable: false,
    meaning: 'claim token unknown, expired or already used',
  },
  simio_rotation_request_not_found: { status: 404, retryable: false, meaning: 'no such rotation request' },
  simio_idempotency_conflict: {
    status: 409,
    retryable: true,
    meaning:
      'the Idempotency-Key is still in flight (retryable) or was used with a different body (terminal)',
  },
  simio_extend_cap_exceeded: {
    status: 409,
    retryable: false,
    meaning: 'dataset is at its 7-day retention cap',
  },
  simio_file_too_large: { status: 413, retryable: false, meaning: 'seed_file is over 500 MB' },
  simio_per_request_cap_exceeded: {
    status: 413,
    retryable: false,
    meaning: 'row_count is over the per-request cap',
  },
  simio_unsupported_content_type: {
    status: 415,
    retryable: false,
    meaning: 'createDataset was not multipart',
  },
  simio_rate_limited: { status: 429, retryable: true, meaning: 'rate limited; wait for Retry-After' },
};

/** Statuses worth retrying unchanged (with backoff, the same Idempotency-Key and body). */
const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Longest `detail` kept from a response, so a misbehaving server cannot flood logs. */
const MAX_DETAIL_LENGTH = 500;

function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Reads a non-2xx body into {@link ProblemDetails}. Bodies that are not problem JSON (an HTML page
 * from a proxy, an empty body) yield a generic problem; their text is never copied into `detail`.
 */
export function parseProblem(status: number, statusText: string, bodyText: string): ProblemDetails {
  let parsed: unknown = null;
  try {
    parsed = bodyText.length > 0 ? JSON.parse(bodyText) : null;
  } catch {
    parsed = null;
  }
  const body =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  const detail = str(body.detail) ?? `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  return {
    type: str(body.type) ?? 'about:blank',
    title: str(body.title) ?? (statusText || `HTTP ${status}`),
    status: typeof body.status === 'number' && Number.isInteger(body.status) ? body.status : status,
    detail: detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH)}…` : detail,
    code: str(body.code),
    request_id: str(body.request_id),
  };
}

/**
 * A 409 `simio_idempotency_conflict` means either "still in flight" (retry later) or "different
 * body" (fatal); the code is shared and only `detail` differs (notes §3, §10.8). This client always
 * resends byte-identical requests, so anything but an explicit "different" detail is in flight.
 */
export function isInFlightConflict(status: number, code: string | null, detail: string): boolean {
  return status === 409 && code === 'simio_idempotency_conflict' && !/different/i.test(detail);
}

/** Decides retryability of a problem response: the vendor `code` first, the status as fallback. */
export function classifyProblem(problem: Pick<ProblemDetails, 'status' | 'code' | 'detail'>): ErrorClass {
  const { status, code, detail } = problem;
  if (code === 'simio_idempotency_conflict')
    return isInFlightConflict(status, code, detail) ? 'retryable' : 'terminal';
  const known = code ? ERROR_CODES[code] : undefined;
  if (known) return known.retryable ? 'retryable' : 'terminal';
  return RETRYABLE_STATUSES.has(status) ? 'retryable' : 'terminal';
}

/**
 * What went wrong, decided by the vendor `code` where the status is ambiguous: the prose says a
 * 402 can mean "subscription or request-cap", so a 402 carrying `simio_per_request_cap_exceeded`
 * is a cap problem (shrink the request), not a quota problem (notes §8).
 */
export type ProblemKind =
  | 'invalid_request'
  | 'unauthorized'
  | 'forbidden'
  | 'quota_exhausted'
  | 'per_request_cap_exceeded'
  | 'file_too_large'
  | 'unsupported_content_type'
  | 'not_found'
  | 'idempotency_in_flight'
  | 'idempotency_conflict'
  | 'extend_cap_exceeded'
  | 'rate_limited'
  | 'server_error'
  | 'other';

export function problemKind(problem: Pick<ProblemDetails, 'status' | 'code' | 'detail'>): ProblemKind {
  switch (problem.code) {
    case 'simio_quota_exhausted':
      return 'quota_exhausted';
    case 'simio_per_request_cap_exceeded':
      return 'per_request_cap_exceeded';
    case 'simio_file_too_large':
      return 'file_too_large';
    case 'simio_unsupported_content_type':
      return 'unsupported_content_type';
    case 'simio_extend_cap_exceeded':
      return 'extend_cap_exceeded';
    case 'simio_idempotency_conflict':
      return isInFlightConflict(problem.status, problem.code, problem.detail)
        ? 'idempotency_in_flight'
        : 'idempotency_conflict';
    case 'simio_rate_limited':
      return 'rate_limited';
    default:
      break;
  }
  if (problem.code?.startsWith('simio_') && problem.code.endsWith('_not_found')) return 'not_found';
  if (problem.code?.startsWith('simio_unknown_condition') || problem.code === 'simio_invalid_field') {
    return 'invalid_request';
  }
  switch (problem.status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 402:
      return 'quota_exhausted';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 413:
      return 'per_request_cap_exceeded';
    case 415:
      return 'unsupported_content_type';
    case 429:
      return 'rate_limited';
    default:
      return problem.status >= 500 ? 'server_error' : 'other';
  }
}

/** Error codes of Node/undici network failures that a retry can cure. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The `code` of an error or of any error in its `cause` chain, when it has one. */
export function networkErrorCode(err: unknown): string | null {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** A Node/undici network failure (its code, or one in its `cause` chain) that a retry can cure. */
export function isTransientNetworkError(err: unknown): boolean {
  const code = networkErrorCode(err);
  return code !== null && TRANSIENT_NETWORK_CODES.has(code);
}

/**
 * The single retry decision for every error this client (or fetch) can raise.
 * Retryable: 429, 500, 502, 503, 504 (and 408), network resets/timeouts/truncated bodies, a 409
 * whose code means "in flight", a token endpoint outage, an expired artifact URL (re-fetch the
 * generation). Terminal: 400, 401 (after the one re-mint the client already did), 402, 403, 404,
 * 413, 415, invalid responses, bad input or credentials. The vendor `code` decides when present.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof SimulacraApiError) return classifyProblem(err);
  if (err instanceof SimulacraNetworkError || err instanceof ArtifactUrlExpiredError) return 'retryable';
  if (err instanceof TokenMintError) return err.retryable ? 'retryable' : 'terminal';
  if (
    err instanceof SimulacraResponseValidationError ||
    err instanceof SimulacraInputError ||
    err instanceof SimulacraCredentialsError
  ) {
    return 'terminal';
  }
  if (err instanceof Error) {
    if (err.name === 'AbortError' || err.name === 'TimeoutError') return 'retryable';
    if (isTransientNetworkError(err)) return 'retryable';
    if (err instanceof TypeError && /fetch failed|terminated|other side closed/i.test(err.message)) {
      return 'retryable';
    }
  }
  return 'terminal';
}
