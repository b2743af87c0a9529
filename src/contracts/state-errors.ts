/**
 * Errors a Lambda throws to Step Functions. The class `name` is what the state machines'
 * `Retry`/`Catch` match on (Lambda reports it as `errorType`), and the message is a JSON document
 * so the failure path can record the vendor code, detail, request id and resource ids without
 * parsing prose. Messages never contain URLs, tokens or secrets: everything is scrubbed.
 */
import * as z from './zod.ts';
import {
  ArtifactUrlExpiredError,
  SimulacraApiError,
  SimulacraInputError,
  SimulacraNetworkError,
  SimulacraResponseValidationError,
  TokenMintError,
  VendorPacingError,
} from '../client/errors.ts';
import { isTransientNetworkError } from '../client/problem.ts';
import { redactText } from '../observability/redact.ts';

/** The resource ids a failure is about; all optional. */
export interface FailureIds {
  readonly job_id?: string | null;
  readonly dataset_id?: string | null;
  readonly generation_id?: string | null;
}

/** What the failure path records about an error (see `record-run`). */
export interface FailureDetails extends FailureIds {
  /** Human-readable summary. */
  readonly message: string;
  /** Vendor problem code (e.g. `simio_unknown_condition_column`) or a pipeline code. */
  readonly code: string | null;
  /** Vendor problem `detail`, or the pipeline's explanation. */
  readonly detail: string | null;
  /** HTTP status of the vendor answer, when there was one. */
  readonly status?: number | null;
  /** Vendor body `request_id`. */
  readonly request_id?: string | null;
  /** Vendor `X-Request-Id` header. */
  readonly x_request_id?: string | null;
  /** Vendor operation that failed, by operationId. */
  readonly operation?: string | null;
}

/** State error text leaves the function: every URL goes, not only signed ones. */
function scrubText(text: string): string {
  return redactText(text, { urls: 'all' });
}

function scrubDetails(details: FailureDetails): FailureDetails {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    out[key] = typeof value === 'string' ? scrubText(value) : value;
  }
  return out as unknown as FailureDetails;
}

/**
 * Base of every error handed to Step Functions; `details` is also the JSON message. Subclasses
 * only set `name` (what ASL Retry/Catch match on) and inherit this constructor.
 */
export abstract class StateError extends Error {
  readonly details: FailureDetails;
  constructor(details: FailureDetails, options?: { cause?: unknown }) {
    const safe = scrubDetails(details);
    super(JSON.stringify(safe), options);
    this.details = safe;
  }
}

/** A vendor or network failure worth retrying (429, 5xx, timeouts, 409 in flight). */
export class VendorRetryableError extends StateError {
  override readonly name = 'VendorRetryableError';
}

/**
 * The shared vendor pacing has no slot for this step's call soon enough (a deep queue of
 * reserved slots) and the step has no wait loop to wait in: its own Retry policy, patient enough
 * to outlast the deepest queue (`MAX_RESERVATION_AHEAD_MS`), runs it again later.
 */
export class VendorPacedError extends StateError {
  override readonly name = 'VendorPacedError';
}

/** A vendor failure that retrying will not fix: goes to the failure path with its code. */
export class VendorTerminalError extends StateError {
  override readonly name = 'VendorTerminalError';
}

/** The vendor resource is not ready yet (e.g. a generation without its artifact URL). */
export class NotReadyError extends StateError {
  override readonly name = 'NotReadyError';
}

/** The input (event, scenario file, seed) is wrong; retrying will not help. */
export class InputValidationError extends StateError {
  override readonly name = 'InputValidationError';
}

/** A downloaded artifact failed its integrity or decryption check; nothing was published. */
export class ArtifactIntegrityError extends StateError {
  override readonly name = 'ArtifactIntegrityError';
}

/** The generation failed the publish gate: landed in quarantine, nothing published. */
export class QualityGateError extends StateError {
  override readonly name = 'QualityGateError';
}

/** A transient AWS failure (throttling, 5xx, events not accepted) after the SDK's own retries. */
export class AwsRetryableError extends StateError {
  override readonly name = 'AwsRetryableError';
}

/**
 * The function reached its configured timeout before it finished (what the handler skeleton
 * throws just before Lambda would stop it). Transient: the state machine retries the step, which
 * every step is safe to re-run (idempotency keys, check-before-copy).
 */
export class InvocationTimeoutError extends StateError {
  override readonly name = 'InvocationTimeoutError';
}

/** Convenience for pipeline-side failures that only have a code and a message. */
export function failure(code: string, message: string, ids: FailureIds = {}): FailureDetails {
  return { message, code, detail: message, ...ids };
}

/**
 * Maps a storage-side failure whose `cause` is the AWS SDK error: retryable
 * ({@link AwsRetryableError}) when that cause is transient (throttling, 5xx, resets), terminal
 * ({@link VendorTerminalError}) for access or configuration errors that retrying will not fix.
 */
export function fromAwsCause(err: Error, details: FailureDetails): StateError {
  return toStateError(err.cause) instanceof AwsRetryableError
    ? new AwsRetryableError(details, { cause: err })
    : new VendorTerminalError(details, { cause: err });
}

function apiDetails(err: SimulacraApiError, ids: FailureIds): FailureDetails {
  return {
    message: err.message,
    code: err.code ?? `http_${err.status}`,
    detail: err.detail,
    status: err.status,
    request_id: err.requestId,
    x_request_id: err.xRequestId,
    operation: err.operation,
    ...ids,
  };
}

/**
 * Maps any error to one of the state errors above, attaching `ids`. Errors that already are
 * state errors are returned unchanged; unknown errors become {@link VendorTerminalError} with
 * code `internal_error` so the failure path still records them.
 */
export function toStateError(err: unknown, ids: FailureIds = {}): StateError {
  if (err instanceof StateError) return err;
  if (err instanceof SimulacraApiError) {
    const details = apiDetails(err, ids);
    return err.retryable
      ? new VendorRetryableError(details, { cause: err })
      : new VendorTerminalError(details, { cause: err });
  }
  if (err instanceof ArtifactUrlExpiredError) {
    // Re-running the step re-fetches the generation, which mints a fresh artifact URL.
    return new VendorRetryableError(
      {
        ...failure(err.code, err.message, { generation_id: err.generationId, ...ids }),
        status: err.status,
        x_request_id: err.xRequestId,
        operation: 'downloadArtifact',
      },
      { cause: err },
    );
  }
  if (err instanceof VendorPacingError) {
    return new VendorPacedError(
      { ...failure('vendor_paced', err.message, ids), operation: err.operation },
      { cause: err },
    );
  }
  if (err instanceof SimulacraNetworkError) {
    return new VendorRetryableError(
      { ...failure('network_error', err.message, ids), operation: err.operation },
      { cause: err },
    );
  }
  if (err instanceof TokenMintError) {
    const details = { ...failure('token_mint_failed', err.message, ids), status: err.status };
    return err.retryable
      ? new VendorRetryableError(details, { cause: err })
      : new VendorTerminalError(details, { cause: err });
  }
  if (err instanceof SimulacraResponseValidationError) {
    return new VendorTerminalError(
      { ...failure('vendor_response_invalid', err.message, ids), operation: err.operation },
      { cause: err },
    );
  }
  if (err instanceof SimulacraInputError) {
    return new InputValidationError(failure('invalid_input', err.message, ids), { cause: err });
  }
  if (err instanceof z.ZodError) {
    const problems = err.issues
      .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return new InputValidationError(failure('invalid_input', `Invalid input: ${problems}`, ids), {
      cause: err,
    });
  }
  if (isTransientAwsError(err)) {
    return new AwsRetryableError(failure('aws_transient', `${err.name}: ${err.message}`, ids), {
      cause: err,
    });
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new VendorTerminalError(failure('internal_error', message, ids), { cause: err });
}

const TRANSIENT_AWS_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'InternalServerError',
  'InternalFailure',
  'TimeoutError',
]);

interface AwsSdkErrorShape extends Error {
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

/**
 * An AWS SDK error that is worth retrying later (throttling, 5xx, a timed-out or reset
 * connection once the SDK's own retries are spent).
 */
export function isTransientAwsError(err: unknown): err is AwsSdkErrorShape {
  if (!(err instanceof Error)) return false;
  const sdk = err as AwsSdkErrorShape;
  if (sdk.$metadata === undefined) return false;
  const status = sdk.$metadata.httpStatusCode ?? 0;
  return (
    TRANSIENT_AWS_NAMES.has(err.name) ||
    Boolean(sdk.$retryable) ||
    status >= 500 ||
    isTransientNetworkError(err)
  );
}

/**
 * Reads the failure details back from what a Catch stores (`{ Error, Cause }`). `Cause` is the
 * Lambda error JSON (`{"errorType","errorMessage",...}`) in AWS, or the bare message locally;
 * the message is the JSON written by {@link StateError}. Anything else becomes a plain detail.
 */
export function parseFailureCause(
  error: string | null | undefined,
  cause: string | null | undefined,
): FailureDetails & { readonly error: string } {
  const name = error ?? 'States.Unknown';
  let message: unknown = cause ?? '';
  const outer = tryParseJson(message);
  if (outer && typeof outer === 'object' && 'errorMessage' in outer) {
    message = outer.errorMessage;
  } else if (outer && typeof outer === 'object') {
    message = outer;
  }
  const inner = typeof message === 'string' ? tryParseJson(message) : message;
  if (inner && typeof inner === 'object' && 'message' in inner) {
    return { ...scrubDetails(inner as FailureDetails), error: name };
  }
  const text = scrubText(typeof message === 'string' ? message : JSON.stringify(message));
  return { message: text || name, code: null, detail: text || null, error: name };
}

function tryParseJson(text: unknown): unknown {
  if (typeof text !== 'string' || !/^\s*[{[]/.test(text)) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
