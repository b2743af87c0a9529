/**
 * The public shape of the Simulacra Headless API client: decoded resources and the operations
 * the pipeline, the CLI and the tests rely on. `SimulacraClient` implements {@link SimulacraApi};
 * code that only needs the operations (Lambdas, their unit tests) depends on this interface.
 *
 * Field names stay exactly as the vendor sends them (snake_case) so support can match them to
 * the vendor's documents. Every value is already normalised: `{}`, `[]`, `""` and missing read as
 * `null` where the contract means null, and one-element arrays around ids are unwrapped.
 */
import type { Readable } from 'node:stream';

/** An enum the vendor may extend without a version bump: known values plus any other string. */
export type OpenEnum<T extends string> = T | (string & {});

/** Correlation data kept from every response, for support requests. */
export interface ResponseMeta {
  /** HTTP status of the final attempt. */
  readonly httpStatus: number;
  /** `X-Request-Id` response header, when sent. */
  readonly xRequestId: string | null;
  /** How many HTTP attempts the call took (1 = no retry). */
  readonly attempts: number;
}

/** A seed file to upload; `open` is called once per attempt so retries re-create the stream. */
export interface SeedSource {
  /** File name sent in the multipart part, its extension tells the vendor the format. */
  readonly filename: string;
  /** Part content type, e.g. `text/csv` or `application/vnd.apache.parquet`. */
  readonly contentType: string;
  /** Size in bytes when known (lets the client send Content-Length and refuse > 500 MB early). */
  readonly size?: number;
  /** Opens a fresh stream of the file's bytes. */
  open(): Promise<Readable> | Readable;
}

export interface CleaningSummary {
  readonly input_rows: number | null;
  readonly input_columns: number | null;
  readonly clean_rows: number | null;
  readonly clean_columns: number | null;
  readonly dropped_columns: ReadonlyArray<{
    readonly name: string;
    readonly reason: OpenEnum<
      | 'identifier_like_column'
      | 'unsupported_datetime'
      | 'constant_categorical'
      | 'rare_category'
      | 'low_variance'
      | 'redundant_numeric'
      | 'other'
    >;
  }>;
}

export interface TrainingSummary {
  readonly trained_at: string | null;
  readonly duration_ms: number | null;
}

export interface CreateDatasetInput {
  readonly seed: SeedSource;
  /** Required: every create is idempotent in this project. `^[A-Za-z0-9._:-]{1,128}$`. */
  readonly idempotencyKey: string;
  readonly displayName?: string;
  readonly autoClean?: boolean;
  /** 0–60, default 0. */
  readonly waitSeconds?: number;
}

/** 200 (`ready`, training finished within `wait_seconds`) or 202 (`processing` with `job_id`). */
export interface CreateDatasetResult {
  readonly dataset_id: string;
  readonly status: OpenEnum<'ready' | 'processing'>;
  readonly request_id: string;
  readonly job_id: string | null;
  readonly expires_at: string | null;
  readonly cleaning_summary: CleaningSummary | null;
  readonly training_summary: TrainingSummary | null;
  readonly meta: ResponseMeta;
}

export interface Dataset {
  readonly dataset_id: string;
  readonly status: OpenEnum<'ready'>;
  readonly request_id: string;
  readonly created_at: string;
  readonly expires_at: string;
  readonly display_name: string | null;
  readonly cleaning_summary: CleaningSummary | null;
  readonly training_summary: TrainingSummary | null;
  readonly meta: ResponseMeta;
}

export interface DatasetListItem {
  readonly dataset_id: string;
  readonly status: OpenEnum<'ready'>;
  readonly created_at: string;
  readonly expires_at: string;
  readonly display_name: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly next_cursor: string | null;
  readonly limit: number;
  readonly request_id: string;
  readonly meta: ResponseMeta;
}

export interface SchemaColumn {
  readonly name: string;
  /** Categorical: factor, ordered, character, string, logical, boolean. Numeric: numeric, integer, double. */
  readonly type: OpenEnum<
    'factor' | 'ordered' | 'character' | 'string' | 'logical' | 'boolean' | 'numeric' | 'integer' | 'double'
  >;
  readonly levels: readonly string[] | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly conditioning_excluded: boolean | null;
}

export interface DatasetSchema {
  readonly dataset_id: string;
  readonly schema: readonly SchemaColumn[];
  readonly request_id: string;
  readonly meta: ResponseMeta;
}

/** The vendor's `conditions` object, as sent in a generation request. */
export interface Conditions {
  readonly categorical?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly numeric?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

export interface CreateGenerationInput {
  readonly datasetId: string;
  /** Scoped per dataset by the vendor. */
  readonly idempotencyKey: string;
  readonly row_count: number;
  readonly output_format: OpenEnum<'parquet' | 'csv' | 'arrow'>;
  readonly seed?: number;
  readonly wait_seconds?: number;
  readonly conditions?: Conditions;
}

/** 200 (`ready`), 207 (`partial`) or 202 (`processing` with `job_id`). */
export interface CreateGenerationResult {
  readonly generation_id: string;
  readonly dataset_id: string;
  readonly status: OpenEnum<'ready' | 'partial' | 'processing'>;
  readonly request_id: string;
  readonly job_id: string | null;
  readonly output_format: string | null;
  readonly rows_requested: number | null;
  readonly rows_generated: number | null;
  readonly expires_at: string | null;
  readonly meta: ResponseMeta;
}

export interface ArtifactEncryption {
  readonly scheme: OpenEnum<'envelope-aes-256-gcm' | 'managed'>;
  readonly wrapped_dek: string | null;
  readonly iv: string | null;
  readonly encryption_context: Readonly<Record<string, string>> | null;
}

export interface Generation {
  readonly generation_id: string;
  readonly dataset_id: string;
  readonly status: OpenEnum<'ready' | 'partial'>;
  readonly request_id: string;
  readonly output_format: OpenEnum<'parquet' | 'csv' | 'arrow'>;
  readonly rows_requested: number;
  readonly rows_generated: number;
  readonly created_at: string;
  readonly expires_at: string;
  /** Opaque and secret-bearing: never log it, never put it into Step Functions state. */
  readonly artifact_url: string | null;
  readonly artifact_encryption: ArtifactEncryption | null;
  readonly meta: ResponseMeta;
}

export type GenerationListItem = Omit<
  Generation,
  'artifact_url' | 'artifact_encryption' | 'request_id' | 'meta'
>;

export interface Job {
  readonly job_id: string;
  readonly request_id: string;
  readonly created_at: string;
  readonly job_type: OpenEnum<'dataset_create' | 'generation_create'>;
  readonly status: OpenEnum<'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired'>;
  readonly stage: string | null;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly dataset_id: string | null;
  readonly generation_id: string | null;
  readonly error: { readonly code: string | null; readonly message: string | null } | null;
  readonly meta: ResponseMeta;
}

/** An artifact download in progress: the body streams, nothing is buffered. */
export interface ArtifactDownload {
  readonly body: Readable;
  /** Content-Length when the server sent one. */
  readonly contentLength: number | null;
  readonly contentType: string | null;
  readonly meta: ResponseMeta;
}

export interface SignupRequest {
  readonly request_id: string;
  readonly status: OpenEnum<'pending' | 'approved' | 'declined'>;
  readonly client_id: string | null;
  /** One-time secret-bearing token: never log it. */
  readonly credential_claim_token: string | null;
  readonly meta: ResponseMeta;
}

/** The one-time credential returned by a claim. `client_secret` must go straight to a secret store. */
export interface ClaimedCredentials {
  readonly client_id: string;
  readonly client_secret: string;
  readonly token_url: string | null;
  readonly audience: string | null;
  readonly grant_type: string | null;
  readonly purpose: OpenEnum<'initial' | 'rotation'> | null;
  readonly meta: ResponseMeta;
}

export interface CredentialRotation {
  readonly rotation_request_id: string;
  readonly client_id: string | null;
  readonly status: OpenEnum<'pending' | 'completed'> | null;
  /** One-time secret-bearing token: never log it. */
  readonly credential_claim_token: string | null;
  /** True when the vendor answered 200 to a replayed Idempotency-Key (no new rotation). */
  readonly replayed: boolean;
  readonly meta: ResponseMeta;
}

/** One entry of the vendor's error catalog (`/errors/{code}`). */
export interface ErrorCatalogEntry {
  readonly code: string;
  readonly title: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly cause: string;
  readonly fix: string;
}

/** Every operation of the vendor contract. All methods throw `SimulacraApiError` on a problem response. */
export interface SimulacraApi {
  // onboarding and credentials (open routes)
  submitSignupRequest(input: { company_name: string; contact_email: string }): Promise<SignupRequest>;
  getSignupRequest(requestId: string): Promise<SignupRequest>;
  claimCredentials(claimToken: string): Promise<ClaimedCredentials>;
  // credentials (bearer)
  rotateCredentials(input: { idempotencyKey: string }): Promise<CredentialRotation>;
  createCredentialRotationRequest(input?: { reason?: string }): Promise<CredentialRotation>;
  getCredentialRotationRequest(rotationRequestId: string): Promise<CredentialRotation>;
  // datasets
  createDataset(input: CreateDatasetInput): Promise<CreateDatasetResult>;
  listDatasets(input?: { limit?: number; cursor?: string }): Promise<Page<DatasetListItem>>;
  getDataset(datasetId: string): Promise<Dataset>;
  /** Resolves for 204 and for 404 alike: both mean the dataset is gone for this client. */
  deleteDataset(datasetId: string): Promise<void>;
  getDatasetSchema(datasetId: string): Promise<DatasetSchema>;
  extendDatasetRetention(datasetId: string): Promise<Dataset>;
  // generations and jobs
  createGeneration(input: CreateGenerationInput): Promise<CreateGenerationResult>;
  listDatasetGenerations(
    datasetId: string,
    input?: { limit?: number; cursor?: string },
  ): Promise<Page<GenerationListItem>>;
  getGeneration(generationId: string): Promise<Generation>;
  getJob(jobId: string): Promise<Job>;
  /**
   * Streams a generation's artifact from its `artifact_url`. The bearer token is sent only when
   * the URL is on the API's own origin; absolute storage URLs get no Authorization header.
   */
  downloadArtifact(generation: Pick<Generation, 'generation_id' | 'artifact_url'>): Promise<ArtifactDownload>;
  // service
  getHealth(): Promise<{ readonly status: string; readonly meta: ResponseMeta }>;
  getErrorCatalogEntry(code: string): Promise<ErrorCatalogEntry>;
}
