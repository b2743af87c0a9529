/**
 * `SimulacraClient`: every operation of the Simulacra Headless API with retries (jittered backoff,
 * deadline, Retry-After), one token re-mint on 401, idempotent POSTs that resend the same key and
 * byte-identical body, tolerant decoding and streaming uploads/downloads. Every result carries
 * `meta` ({@link ResponseMeta}) for support. The retry loop lives in `transport.ts`, the path
 * templates and paging helpers in `routes.ts`.
 */
import type {
  ArtifactDownload,
  ClaimedCredentials,
  CreateDatasetInput,
  CreateDatasetResult,
  CreateGenerationInput,
  CreateGenerationResult,
  CredentialRotation,
  Dataset,
  DatasetListItem,
  DatasetSchema,
  ErrorCatalogEntry,
  Generation,
  GenerationListItem,
  Job,
  Page,
  ResponseMeta,
  SignupRequest,
  SimulacraApi,
} from './contract.ts';
import * as decoders from './decode.ts';
import { ArtifactUrlExpiredError, SimulacraInputError } from './errors.ts';
import { isSameOrigin, readText, streamBody } from './http.ts';
import { buildMultipartBody, newBoundary } from './multipart.ts';
import { pageQuery, route, toPage } from './routes.ts';
import { ApiTransport } from './transport.ts';
import type { TransportOptions } from './transport.ts';
import * as validate from './validate.ts';

export { DEFAULT_TIMEOUT_MS } from './transport.ts';

/** Options of {@link SimulacraClient}: the API base, token provider, fetch, retry, timeout and clock. */
export type SimulacraClientOptions = TransportOptions;

export class SimulacraClient implements SimulacraApi {
  readonly #http: ApiTransport;

  constructor(options: SimulacraClientOptions) {
    this.#http = new ApiTransport(options);
  }

  // ------------------------------------------------------------------------------------------
  // onboarding and credentials

  async submitSignupRequest(input: { company_name: string; contact_email: string }): Promise<SignupRequest> {
    // Idempotent by email on the vendor side (200 for an existing request), so retries are safe.
    return this.#http.json('submitSignupRequest', decoders.signupRequest, {
      method: 'POST',
      target: route('/v1/signup'),
      auth: false,
      json: { company_name: input.company_name, contact_email: input.contact_email },
      retry: true,
    });
  }

  async getSignupRequest(requestId: string): Promise<SignupRequest> {
    return this.#http.json('getSignupRequest', decoders.signupRequest, {
      method: 'GET',
      target: route('/v1/signup/{request_id}', { request_id: validate.pathId('request_id', requestId) }),
      auth: false,
      retry: true,
    });
  }

  async claimCredentials(claimToken: string): Promise<ClaimedCredentials> {
    if (typeof claimToken !== 'string' || claimToken.length === 0) {
      throw new SimulacraInputError('claimToken', 'must be the credential_claim_token exactly as returned');
    }
    // One-time token: a retry after a lost response would find it consumed (404), so never retry.
    return this.#http.json('claimCredentials', decoders.claimedCredentials, {
      method: 'POST',
      target: route('/v1/credential-claims'),
      auth: false,
      json: { claim_token: claimToken },
      retry: false,
    });
  }

  async rotateCredentials(input: { idempotencyKey: string }): Promise<CredentialRotation> {
    const { body, meta } = await this.#http.jsonWithMeta('rotateCredentials', decoders.credentialRotation, {
      method: 'POST',
      target: route('/v1/credential-rotations'),
      auth: true,
      idempotencyKey: validate.idempotencyKey(input.idempotencyKey),
      retry: true,
    });
    return { ...body, replayed: meta.httpStatus === 200, meta };
  }

  async createCredentialRotationRequest(input?: { reason?: string }): Promise<CredentialRotation> {
    // No idempotency key exists for this route: do not retry (a duplicate would reach the operator).
    const { body, meta } = await this.#http.jsonWithMeta(
      'createCredentialRotationRequest',
      decoders.credentialRotation,
      {
        method: 'POST',
        target: route('/v1/credential-rotation-requests'),
        auth: true,
        json: input?.reason === undefined ? {} : { reason: input.reason },
        retry: false,
      },
    );
    return { ...body, replayed: false, meta };
  }

  async getCredentialRotationRequest(rotationRequestId: string): Promise<CredentialRotation> {
    const { body, meta } = await this.#http.jsonWithMeta(
      'getCredentialRotationRequest',
      decoders.credentialRotation,
      {
        method: 'GET',
        target: route('/v1/credential-rotation-requests/{rotation_request_id}', {
          rotation_request_id: validate.opaqueId('rotationRequestId', rotationRequestId),
        }),
        auth: true,
        retry: true,
      },
    );
    return { ...body, replayed: false, meta };
  }

  // ------------------------------------------------------------------------------------------
  // datasets

  async createDataset(input: CreateDatasetInput): Promise<CreateDatasetResult> {
    const key = validate.idempotencyKey(input.idempotencyKey);
    const fields: Array<{ name: string; value: string }> = [];
    if (input.displayName !== undefined)
      fields.push({ name: 'display_name', value: validate.displayName(input.displayName) });
    if (input.autoClean !== undefined)
      fields.push({ name: 'auto_clean', value: input.autoClean ? 'true' : 'false' });
    if (input.waitSeconds !== undefined) {
      fields.push({
        name: 'wait_seconds',
        value: String(validate.integerInRange('waitSeconds', input.waitSeconds, 0, 60)),
      });
    }
    // One boundary per call: every attempt re-opens the seed and sends the same bytes.
    const multipart = buildMultipartBody(fields, input.seed, newBoundary());
    return this.#http.json('createDataset', decoders.createDatasetResult, {
      method: 'POST',
      target: route('/v1/datasets'),
      auth: true,
      multipart,
      idempotencyKey: key,
      retry: true,
    });
  }

  async listDatasets(input?: { limit?: number; cursor?: string }): Promise<Page<DatasetListItem>> {
    const { body, meta } = await this.#http.jsonWithMeta('listDatasets', decoders.datasetList, {
      method: 'GET',
      target: route('/v1/datasets'),
      query: pageQuery(input),
      auth: true,
      retry: true,
    });
    return toPage(body.datasets, body, meta);
  }

  async getDataset(datasetId: string): Promise<Dataset> {
    return this.#http.json('getDataset', decoders.dataset, {
      method: 'GET',
      target: route('/v1/datasets/{dataset_id}', { dataset_id: validate.pathId('dataset_id', datasetId) }),
      auth: true,
      retry: true,
    });
  }

  async deleteDataset(datasetId: string): Promise<void> {
    // 204 (deleted, or never existed) and 404 (not visible to this client) both mean "gone".
    const { result } = await this.#http.exchange({
      operation: 'deleteDataset',
      method: 'DELETE',
      target: route('/v1/datasets/{dataset_id}', { dataset_id: validate.pathId('dataset_id', datasetId) }),
      auth: true,
      retry: true,
      alsoAccept: [404],
    });
    await readText('deleteDataset', result, this.#http.timeoutMs);
  }

  async getDatasetSchema(datasetId: string): Promise<DatasetSchema> {
    return this.#http.json('getDatasetSchema', decoders.datasetSchema, {
      method: 'GET',
      target: route('/v1/datasets/{dataset_id}/schema', {
        dataset_id: validate.pathId('dataset_id', datasetId),
      }),
      auth: true,
      retry: true,
    });
  }

  async extendDatasetRetention(datasetId: string): Promise<Dataset> {
    // Extending twice pushes expiry twice; a retry after a lost 200 only uses more of the 7-day cap.
    return this.#http.json('extendDatasetRetention', decoders.dataset, {
      method: 'POST',
      target: route('/v1/datasets/{dataset_id}/extend', {
        dataset_id: validate.pathId('dataset_id', datasetId),
      }),
      auth: true,
      retry: true,
    });
  }

  // ------------------------------------------------------------------------------------------
  // generations and jobs

  async createGeneration(input: CreateGenerationInput): Promise<CreateGenerationResult> {
    const datasetId = validate.pathId('dataset_id', input.datasetId);
    const key = validate.idempotencyKey(input.idempotencyKey);
    const body: Record<string, unknown> = {
      row_count: validate.integerInRange('row_count', input.row_count, 1, Number.MAX_SAFE_INTEGER),
      output_format: input.output_format,
    };
    if (typeof input.output_format !== 'string' || input.output_format.length === 0) {
      throw new SimulacraInputError('output_format', 'must be parquet, csv or arrow');
    }
    if (input.seed !== undefined)
      body.seed = validate.integerInRange('seed', input.seed, 0, validate.MAX_SEED);
    if (input.wait_seconds !== undefined) {
      body.wait_seconds = validate.integerInRange('wait_seconds', input.wait_seconds, 0, 60);
    }
    if (input.conditions !== undefined) body.conditions = validate.conditions(input.conditions);
    return this.#http.json('createGeneration', decoders.createGenerationResult, {
      method: 'POST',
      target: route('/v1/datasets/{dataset_id}/generations', { dataset_id: datasetId }),
      auth: true,
      json: body,
      idempotencyKey: key,
      retry: true,
    });
  }

  async listDatasetGenerations(
    datasetId: string,
    input?: { limit?: number; cursor?: string },
  ): Promise<Page<GenerationListItem>> {
    const { body, meta } = await this.#http.jsonWithMeta('listDatasetGenerations', decoders.generationList, {
      method: 'GET',
      target: route('/v1/datasets/{dataset_id}/generations', {
        dataset_id: validate.pathId('dataset_id', datasetId),
      }),
      query: pageQuery(input),
      auth: true,
      retry: true,
    });
    return toPage(body.generations, body, meta);
  }

  async getGeneration(generationId: string): Promise<Generation> {
    return this.#http.json('getGeneration', decoders.generation, {
      method: 'GET',
      target: route('/v1/generations/{generation_id}', {
        generation_id: validate.pathId('generation_id', generationId),
      }),
      auth: true,
      retry: true,
    });
  }

  async getJob(jobId: string): Promise<Job> {
    return this.#http.json('getJob', decoders.job, {
      method: 'GET',
      target: route('/v1/jobs/{job_id}', { job_id: validate.pathId('job_id', jobId) }),
      auth: true,
      retry: true,
    });
  }

  async downloadArtifact(
    generation: Pick<Generation, 'generation_id' | 'artifact_url'>,
  ): Promise<ArtifactDownload> {
    const generationId = generation.generation_id;
    if (!generation.artifact_url) {
      throw new SimulacraInputError(
        'artifact_url',
        `generation ${generationId} has no artifact_url yet; poll getGeneration until it is set`,
      );
    }
    let url: URL;
    try {
      // Managed URLs are API-relative (`/v1/...`): resolve against the API origin. Absolute URLs are used as given.
      url = new URL(generation.artifact_url, this.#http.base);
    } catch {
      throw new SimulacraInputError('artifact_url', 'is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SimulacraInputError('artifact_url', 'must be an http(s) URL');
    }
    const sameOrigin = isSameOrigin(url, this.#http.base.origin);
    const { result, meta } = await this.#http.exchange({
      operation: 'downloadArtifact',
      method: 'GET',
      target: url,
      auth: sameOrigin,
      retry: true,
      // Artifact bytes (parquet, csv, arrow or octet-stream) or a problem document.
      accept: '*/*',
      mapError: (err) =>
        err.status === 404 || (!sameOrigin && err.status === 403)
          ? new ArtifactUrlExpiredError(generationId, err.status, err.xRequestId)
          : err,
    });
    // The timeout covered the wait for headers; the body streams without buffering.
    result.settle();
    const { response } = result;
    const body = streamBody('downloadArtifact', response);
    const length = response.headers.get('content-length');
    return {
      body,
      contentLength: length !== null && /^\d+$/.test(length) ? Number(length) : null,
      contentType: response.headers.get('content-type'),
      meta,
    };
  }

  // ------------------------------------------------------------------------------------------
  // service

  async getHealth(): Promise<{ readonly status: string; readonly meta: ResponseMeta }> {
    return this.#http.json('getHealth', decoders.health, {
      method: 'GET',
      target: route('/healthz'),
      auth: false,
      retry: true,
    });
  }

  async getErrorCatalogEntry(code: string): Promise<ErrorCatalogEntry> {
    const { body } = await this.#http.jsonWithMeta('getErrorCatalogEntry', decoders.errorCatalogEntry, {
      method: 'GET',
      target: route('/errors/{code}', { code: validate.opaqueId('code', code) }),
      auth: false,
      retry: true,
    });
    return body;
  }
}
