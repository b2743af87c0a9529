/**
 * Problem+json errors (RFC 9457 style) and the vendor's error catalog served at `/errors`.
 * Every coded problem has `type = https://api.simulacra-data.com/errors/{code}`; the uniform 401
 * has `type: about:blank` and no code, whatever went wrong with the token.
 */
import type { ErrorCatalogEntry } from '../src/client/contract.ts';

/** Base of the `type` URL of every coded problem. */
export const ERROR_TYPE_BASE = 'https://api.simulacra-data.com/errors/';

/** One entry of the error catalog, the body of `GET /errors/{code}` (the contract's shape). */
export type CatalogEntry = ErrorCatalogEntry;

const entries: readonly CatalogEntry[] = [
  {
    code: 'simio_invalid_field',
    title: 'Bad Request',
    status: 400,
    retryable: false,
    cause:
      'A form or JSON field is missing or invalid (wait_seconds, email, row_count, output_format, conditions, limit, cursor, idempotency key).',
    fix: 'Correct the field named in `detail` and send the request again.',
  },
  {
    code: 'simio_unknown_condition_column',
    title: 'Bad Request',
    status: 400,
    retryable: false,
    cause: 'A condition column or level is not in the cleaned schema of the dataset.',
    fix: 'Call GET /v1/datasets/{dataset_id}/schema and build conditions from the returned column names and levels.',
  },
  {
    code: 'simio_quota_exhausted',
    title: 'Payment Required',
    status: 402,
    retryable: false,
    cause: 'The tenant row quota does not cover rows_requested on top of the rows already reserved.',
    fix: 'Request fewer rows, wait for running generations to finish, or raise the subscription.',
  },
  {
    code: 'simio_dataset_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause: 'The dataset does not exist, has expired, belongs to another tenant, or the id is malformed.',
    fix: 'Check the dataset_id; expired datasets cannot be revived, upload the seed again.',
  },
  {
    code: 'simio_generation_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause:
      'The generation does not exist, has expired, belongs to another tenant, or the download signature is bad or expired.',
    fix: 'GET the generation again for a fresh artifact_url and retry the download once.',
  },
  {
    code: 'simio_job_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause: 'The job does not exist, has expired, belongs to another tenant, or the id is malformed.',
    fix: 'Check the job_id returned by the 202 response.',
  },
  {
    code: 'simio_signup_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause: 'The signup request id is unknown or malformed.',
    fix: 'Use the request_id exactly as returned by POST /v1/signup (^req_[A-Za-z0-9]{1,64}$).',
  },
  {
    code: 'simio_credential_claim_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause: 'The claim token is unknown, expired, or was already used.',
    fix: 'Claim tokens are one-time; request a new one through rotation or contact support.',
  },
  {
    code: 'simio_rotation_request_not_found',
    title: 'Not Found',
    status: 404,
    retryable: false,
    cause: 'No such credential rotation request exists for this client.',
    fix: 'Use the rotation_request_id returned by POST /v1/credential-rotation-requests.',
  },
  {
    code: 'simio_idempotency_conflict',
    title: 'Conflict',
    status: 409,
    retryable: true,
    cause:
      'The idempotency key was reused with a different request, or the original request is still in flight.',
    fix: 'Resend the byte-identical request later, or use a new key for new work.',
  },
  {
    code: 'simio_extend_cap_exceeded',
    title: 'Conflict',
    status: 409,
    retryable: false,
    cause: 'The dataset has reached its maximum continuous retention window (7 days).',
    fix: 'Upload the seed again to start a new retention window.',
  },
  {
    code: 'simio_file_too_large',
    title: 'Payload Too Large',
    status: 413,
    retryable: false,
    cause: 'seed_file exceeds the maximum upload size of 500 MB.',
    fix: 'Upload a smaller seed (sample the rows or drop columns).',
  },
  {
    code: 'simio_per_request_cap_exceeded',
    title: 'Payload Too Large',
    status: 413,
    retryable: false,
    cause: 'row_count exceeds the per-request cap of the tenant policy.',
    fix: 'Split the generation into several requests under the cap.',
  },
  {
    code: 'simio_unsupported_content_type',
    title: 'Unsupported Media Type',
    status: 415,
    retryable: false,
    cause: 'POST /v1/datasets was not sent as multipart/form-data.',
    fix: 'Send the seed as the multipart part `seed_file`.',
  },
  {
    code: 'simio_rate_limited',
    title: 'Too Many Requests',
    status: 429,
    retryable: true,
    cause: 'Too many requests, or more than 3 credential rotations in 24 hours for this client.',
    fix: 'Wait for Retry-After seconds and retry with the same Idempotency-Key.',
  },
  {
    code: 'simio_internal_error',
    title: 'Internal Server Error',
    status: 500,
    retryable: true,
    cause: 'An unexpected server error.',
    fix: 'Retry with backoff and the same Idempotency-Key; contact support with X-Request-Id if it persists.',
  },
  {
    code: 'simio_service_unavailable',
    title: 'Service Unavailable',
    status: 503,
    retryable: true,
    cause: 'The service is temporarily unavailable.',
    fix: 'Retry with backoff and the same Idempotency-Key.',
  },
  {
    code: 'generation_failed',
    title: 'Generation Failed',
    status: 500,
    retryable: false,
    cause: 'The generation job failed (job.error.code); no rows were feasible or the model could not sample.',
    fix: 'Relax the scenario conditions or request a new generation.',
  },
  {
    code: 'training_failed',
    title: 'Training Failed',
    status: 500,
    retryable: false,
    cause: 'The dataset job failed while reading, cleaning or training on the seed (job.error.code).',
    fix: 'Check the seed file (CSV or Parquet, a header row, at least one usable column) and upload it again.',
  },
];

/** The catalog by code. */
export const errorCatalog: ReadonlyMap<string, CatalogEntry> = new Map(entries.map((e) => [e.code, e]));

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The standard reason phrase of an HTTP status. */
export function statusTitle(status: number): string {
  return titles[status] ?? 'Error';
}

/** A problem+json body. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: string;
  request_id?: string;
}

/** Thrown by handlers; the server turns it into a problem+json response. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string | undefined,
    detail: string,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProblemError';
    this.status = status;
    this.code = code;
    this.headers = options?.headers ?? {};
  }

  /** The problem+json body of this error. */
  body(): ProblemBody {
    if (this.code === undefined) {
      return {
        type: 'about:blank',
        title: statusTitle(this.status),
        status: this.status,
        detail: this.message,
      };
    }
    const title = errorCatalog.get(this.code)?.title ?? statusTitle(this.status);
    return {
      type: ERROR_TYPE_BASE + this.code,
      title,
      status: this.status,
      detail: this.message,
      code: this.code,
    };
  }
}

/** The uniform 401: identical for a missing, malformed, expired or wrong-audience token. */
export function unauthorized(): ProblemError {
  return new ProblemError(401, undefined, 'Invalid credentials.');
}

/** 400 `simio_invalid_field` naming the field and the fix. */
export function invalidField(detail: string): ProblemError {
  return new ProblemError(400, 'simio_invalid_field', detail);
}

/** 404 with the code of the resource kind. */
export function notFound(
  code:
    | 'simio_dataset_not_found'
    | 'simio_generation_not_found'
    | 'simio_job_not_found'
    | 'simio_signup_not_found'
    | 'simio_credential_claim_not_found'
    | 'simio_rotation_request_not_found',
): ProblemError {
  const what: Record<typeof code, string> = {
    simio_dataset_not_found: 'Dataset not found.',
    simio_generation_not_found: 'Generation not found.',
    simio_job_not_found: 'Job not found.',
    simio_signup_not_found: 'Signup request not found.',
    simio_credential_claim_not_found: 'Credential claim not found, expired, or already used.',
    simio_rotation_request_not_found: 'Credential rotation request not found.',
  };
  return new ProblemError(404, code, what[code]);
}
