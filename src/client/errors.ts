/**
 * Typed errors raised by the Simulacra client. Every error carries what a support request needs
 * (status, problem `code`, `type`, `detail`, body `request_id`, `X-Request-Id`) and nothing secret.
 */
import type { PacingReservation } from './pacing-reservation.ts';

/** How the client (and the pipeline's Retry policies) should treat an error. */
export type ErrorClass = 'retryable' | 'terminal';

/** Fields of an RFC 9457 problem document as the vendor sends it. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string | null;
  readonly request_id: string | null;
}

/** A problem+json (or otherwise non-2xx) answer from the vendor API. */
export class SimulacraApiError extends Error {
  override readonly name = 'SimulacraApiError';
  readonly status: number;
  readonly code: string | null;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | null;
  readonly xRequestId: string | null;
  /** The operation that failed, by operationId (e.g. `createGeneration`). */
  readonly operation: string;
  readonly retryable: boolean;
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  readonly retryAfterSeconds: number | null;

  constructor(input: {
    operation: string;
    problem: ProblemDetails;
    xRequestId: string | null;
    retryable: boolean;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    const { problem } = input;
    super(
      `${input.operation} failed: HTTP ${problem.status}${problem.code ? ` ${problem.code}` : ''}: ${problem.detail}`,
      { cause: input.cause },
    );
    this.status = problem.status;
    this.code = problem.code;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.requestId = problem.request_id;
    this.xRequestId = input.xRequestId;
    this.operation = input.operation;
    this.retryable = input.retryable;
    this.retryAfterSeconds = input.retryAfterSeconds ?? null;
  }

  /** A plain, log-safe summary of the error (no URLs, tokens or bodies beyond the problem). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      operation: this.operation,
      status: this.status,
      code: this.code,
      type: this.type,
      detail: this.detail,
      requestId: this.requestId,
      xRequestId: this.xRequestId,
      retryable: this.retryable,
    };
  }
}

/** The network failed (reset, timeout, truncated body) before a complete answer arrived. */
export class SimulacraNetworkError extends Error {
  override readonly name = 'SimulacraNetworkError';
  readonly operation: string;
  readonly retryable = true;
  constructor(operation: string, message: string, options?: { cause?: unknown }) {
    super(`${operation} failed: ${message}`, options);
    this.operation = operation;
  }
}

/** A 2xx body that does not match the contract; names the offending field. */
export class SimulacraResponseValidationError extends Error {
  override readonly name = 'SimulacraResponseValidationError';
  readonly operation: string;
  readonly field: string;
  readonly retryable = false;
  constructor(operation: string, field: string, message: string, options?: { cause?: unknown }) {
    super(`${operation} returned an invalid response: ${field}: ${message}`, options);
    this.operation = operation;
    this.field = field;
  }
}

/** Client-side input that would be refused by the vendor (bad id format, key format, size). */
export class SimulacraInputError extends Error {
  override readonly name = 'SimulacraInputError';
  readonly field: string;
  readonly retryable = false;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Obtaining a bearer token failed (bad credentials, token endpoint down). */
export class TokenMintError extends Error {
  override readonly name = 'TokenMintError';
  readonly status: number | null;
  readonly retryable: boolean;
  constructor(message: string, options: { status: number | null; retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
  }
}

/** The `code` of {@link ArtifactUrlExpiredError}, for callers that match on codes. */
export const ARTIFACT_URL_EXPIRED = 'artifact_url_expired';

/**
 * Downloading an `artifact_url` gave 404 (managed URL expired or its signature is stale) or an
 * object-storage 403/404. The remedy is to GET the generation again for a fresh URL and retry
 * once; a generation that is really gone then fails with `simio_generation_not_found`.
 */
export class ArtifactUrlExpiredError extends Error {
  override readonly name = 'ArtifactUrlExpiredError';
  readonly code = ARTIFACT_URL_EXPIRED;
  readonly generationId: string;
  readonly status: number;
  readonly xRequestId: string | null;
  /** Retrying after re-fetching the generation is expected to succeed. */
  readonly retryable = true;
  constructor(generationId: string, status: number, xRequestId: string | null) {
    super(
      `downloadArtifact failed: HTTP ${status}: the artifact URL of generation ${generationId} expired or was ` +
        'rejected; call getGeneration for a fresh artifact_url and retry',
    );
    this.generationId = generationId;
    this.status = status;
    this.xRequestId = xRequestId;
  }
}

/** Vendor credentials (secret JSON or environment) are missing or invalid; never carries their values. */
export class SimulacraCredentialsError extends Error {
  override readonly name = 'SimulacraCredentialsError';
  /** The offending field or variable names. */
  readonly fields: readonly string[];
  readonly retryable = false;
  constructor(message: string, fields: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.fields = fields;
  }
}

/**
 * The shared pacing of vendor calls (a token bucket every Lambda of a deployment draws from) has
 * no request free for longer than the caller may wait in process. Nothing was sent; try again
 * after `retryAfterSeconds` (a Step Functions Wait in the pipeline). With `reservation`, the slot
 * is already this caller's: the step carries it through its wait and goes on it without taking
 * again (src/client/pacing-reservation.ts).
 */
export class VendorPacingError extends Error {
  override readonly name = 'VendorPacingError';
  readonly operation: string;
  readonly retryAfterSeconds: number;
  readonly reservation: PacingReservation | null;
  readonly retryable = true;
  constructor(operation: string, retryAfterSeconds: number, reservation: PacingReservation | null = null) {
    super(
      reservation
        ? `${operation} not sent yet: its slot in the shared vendor request pacing is reserved for ${new Date(reservation.reservedAt).toISOString()}`
        : `${operation} not sent: the shared vendor request pacing has no request free for ${retryAfterSeconds} s`,
    );
    this.operation = operation;
    this.retryAfterSeconds = retryAfterSeconds;
    this.reservation = reservation;
  }
}
