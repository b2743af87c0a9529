/**
 * `SimulacraClient`: every operation of the Simulacra Headless API with retries (jittered backoff,
 * deadline, Retry-After), one token re-mint on 401, idempotent POSTs that resend the same key and
 * byte-identical body, tolerant decoding and streaming uploads/downloads. Every result carries
 * `meta` ({@link ResponseMeta}) for support.
 */
import type { z } from 'zod';
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
import { decode, parseJson } from './decode.ts';
import { ArtifactUrlExpiredError, SimulacraApiError, SimulacraInputError } from './errors.ts';
import { isSameOrigin, readText, send, streamBody } from './http.ts';
import type { FetchLike, SendResult } from './http.ts';
import { buildMultipartBody, newBoundary } from './multipart.ts';
import type { MultipartBody } from './multipart.ts';
import { classifyError, classifyProblem, parseProblem } from './problem.ts';
import { nextDelay, parseRetryAfter, resolveRetryOptions, systemClock } from './retry.ts';
import type { Clock, RetryOptions } from './retry.ts';
import type { paths } from './generated/api-types.ts';
import type { TokenProvider } from './token-provider.ts';
import * as validate from './validate.ts';

export interface SimulacraClientOptions {
  /** API base URL, e.g. `https://api.simulacra-data.com` (the spec's server URL is empty). */
  readonly apiBase: string;
  readonly tokenProvider: TokenProvider;
  /** Defaults to the global `fetch`. */
  readonly fetch?: FetchLike;
  readonly retry?: RetryOptions;
  /**
   * Timeout of one HTTP attempt in ms (default 120 s: above `wait_seconds` ≤ 60 plus upload time).
   * For downloads it bounds the wait for response headers; the body then streams at its own pace.
   */
  readonly timeoutMs?: number;
  /** Time sources for tests (sleep, random, now). */
  readonly clock?: Partial<Clock>;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

const JSON_ACCEPT = 'application/json, application/problem+json';
const USER_AGENT = 'simulacra-pipeline-client/1';

interface CallSpec {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path (already URL-encoded) or an absolute URL (downloads). */
  readonly target: string | URL;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Send the bearer token (only ever to the API origin). */
  readonly auth: boolean;
  /** Serialised once, so every attempt sends identical bytes. */
  readonly json?: unknown;
  readonly multipart?: MultipartBody;
  readonly idempotencyKey?: string;
  /** Retry transient failures (429/5xx/network). POSTs only with an Idempotency-Key or natural idempotency. */
  readonly retry: boolean;
  /** Statuses handled by the success path besides 2xx (e.g. 404 for delete). */
  readonly alsoAccept?: readonly number[];
  /** `Accept` header (JSON and problem+json unless given). */
  readonly accept?: string;
  /** Turns an API error into another error (e.g. download 404 → ArtifactUrlExpiredError). */
  readonly mapError?: (err: SimulacraApiError) => Error;
}

interface Exchange {
  readonly result: SendResult;
  readonly meta: ResponseMeta;
}

export class SimulacraClient implements SimulacraApi {
  readonly #base: URL;
  readonly #tokens: TokenProvider;
  readonly #fetch: FetchLike;
  readonly #retry: Required<RetryOptions>;
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  constructor(options: SimulacraClientOptions) {
    let base: URL;
    try {
      base = new URL(options.apiBase);
    } catch {
      throw new SimulacraInputError(
        'apiBase',
        'must be an absolute http(s) URL such as https://api.simulacra-data.com',
      );
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new SimulacraInputError('apiBase', 'must use http or https');
    }
    this.#base = base;
    this.#tokens = options.tokenProvider;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retry = resolveRetryOptions(options.retry);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#clock = { ...systemClock, ...options.clock };
  }

  // ------------------------------------------------------------------------------------------
  // onboarding and credentials

  async submitSignupRequest(input: { company_name: string; contact_email: string }): Promise<SignupRequest> {
    // Idempotent by email on the vendor side (200 for an existing request), so retries are safe.
    return this.#json('submitSignupRequest', decoders.signupRequest, {
      method: 'POST',
      target: route('/v1/signup'),
      auth: false,
      json: { company_name: input.company_name, contact_email: input.contact_email },
      retry: true,
    });
  }

  async getSignupRequest(requestId: string): Promise<SignupRequest> {
    return this.#json('getSignupRequest', decoders.signupRequest, {
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
    return this.#json('claimCredentials', decoders.claimedCredentials, {
      method: 'POST',
      target: route('/v1/credential-claims'),
      auth: false,
      json: { claim_token: claimToken },
      retry: false,
    });
  }

  async rotateCredentials(input: { idempotencyKey: string }): Promise<CredentialRotation> {
    const { body, meta } = await this.#jsonWithMeta('rotateCredentials', decoders.credentialRotation, {
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
    const { body, meta } = await this.#jsonWithMeta(
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
    const { body, meta } = await this.#jsonWithMeta(
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
    return this.#json('createDataset', decoders.createDatasetResult, {
      method: 'POST',
      target: route('/v1/datasets'),
      auth: true,
      multipart,
      idempotencyKey: key,
      retry: true,
    });
  }

  async listDatasets(input?: { limit?: number; cursor?: string }): Promise<Page<DatasetListItem>> {
    const { body, meta } = await this.#jsonWithMeta('listDatasets', decoders.datasetList, {
      method: 'GET',
      target: route('/v1/datasets'),
      query: pageQuery(input),
      auth: true,
      retry: true,
    });
    return toPage(body.datasets, body, meta);
  }

  async getDataset(datasetId: string): Promise<Dataset> {
    return this.#json('getDataset', decoders.dataset, {
      method: 'GET',
      target: route('/v1/datasets/{dataset_id}', { dataset_id: validate.pathId('dataset_id', datasetId) }),
      auth: true,
      retry: true,
    });
  }

  async deleteDataset(datasetId: string): Promise<void> {
    // 204 (deleted, or never existed) and 404 (not visible to this client) both mean "gone".
    const { result } = await this.#exchange({
      operation: 'deleteDataset',
      method: 'DELETE',
      target: route('/v1/datasets/{dataset_id}', { dataset_id: validate.pathId('dataset_id', datasetId) }),
      auth: true,
      retry: true,
      alsoAccept: [404],
    });
    await readText('deleteDataset', result, this.#timeoutMs);
  }

  async getDatasetSchema(datasetId: string): Promise<DatasetSchema> {
    return this.#json('getDatasetSchema', decoders.datasetSchema, {
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
    return this.#json('extendDatasetRetention', decoders.dataset, {
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
    return this.#json('createGeneration', decoders.createGenerationResult, {
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
    const { body, meta } = await this.#jsonWithMeta('listDatasetGenerations', decoders.generationList, {
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
    return this.#json('getGeneration', decoders.generation, {
      method: 'GET',
      target: route('/v1/generations/{generation_id}', {
        generation_id: validate.pathId('generation_id', generationId),
      }),
      auth: true,
      retry: true,
    });
  }

  async getJob(jobId: string): Promise<Job> {
    return this.#json('getJob', decoders.job, {
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
      url = new URL(generation.artifact_url, this.#base);
    } catch {
      throw new SimulacraInputError('artifact_url', 'is not a valid URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new SimulacraInputError('artifact_url', 'must be an http(s) URL');
    }
    const sameOrigin = isSameOrigin(url, this.#base.origin);
    const { result, meta } = await this.#exchange({
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
    return this.#json('getHealth', decoders.health, {
      method: 'GET',
      target: route('/healthz'),
      auth: false,
      retry: true,
    });
  }

  async getErrorCatalogEntry(code: string): Promise<ErrorCatalogEntry> {
    const { body } = await this.#jsonWithMeta('getErrorCatalogEntry', decoders.errorCatalogEntry, {
      method: 'GET',
      target: route('/errors/{code}', { code: validate.opaqueId('code', code) }),
      auth: false,
      retry: true,
    });
    return body;
  }

  // ------------------------------------------------------------------------------------------
  // plumbing

  async #json<T extends object>(
    operation: string,
    schema: z.ZodType<T>,
    spec: Omit<CallSpec, 'operation'>,
  ): Promise<T & { meta: ResponseMeta }> {
    const { body, meta } = await this.#jsonWithMeta(operation, schema, spec);
    return { ...body, meta };
  }

  async #jsonWithMeta<T>(
    operation: string,
    schema: z.ZodType<T>,
    spec: Omit<CallSpec, 'operation'>,
  ): Promise<{ body: T; meta: ResponseMeta }> {
    let decoded: { body: T; meta: ResponseMeta } | undefined;
    await this.#exchange({ ...spec, operation }, async ({ result, meta }) => {
      const text = await readText(operation, result, this.#timeoutMs);
      decoded = { body: decode(operation, schema, parseJson(operation, text)), meta };
    });
    if (!decoded) throw new Error(`${operation}: no response decoded`);
    return decoded;
  }

  #url(target: string | URL, query: CallSpec['query']): URL {
    const url =
      typeof target === 'string'
        ? new URL(`${this.#base.href.replace(/\/+$/, '')}${target}`)
        : new URL(target.href);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  /**
   * Runs one call through the retry loop. `consume` runs inside the loop, so a body that is
   * truncated while being read is retried like any other transient failure.
   */
  async #exchange(spec: CallSpec, consume?: (exchange: Exchange) => Promise<void>): Promise<Exchange> {
    const clock = this.#clock;
    const startedAt = clock.now();
    const url = this.#url(spec.target, spec.query);
    const apiOrigin = this.#base.origin;
    const sendsBearer = spec.auth && isSameOrigin(url, apiOrigin);
    const jsonBody = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    const headers: Record<string, string> = { accept: spec.accept ?? JSON_ACCEPT, 'user-agent': USER_AGENT };
    if (jsonBody !== undefined) headers['content-type'] = 'application/json';
    if (spec.multipart) {
      headers['content-type'] = spec.multipart.contentType;
      if (spec.multipart.contentLength !== null)
        headers['content-length'] = String(spec.multipart.contentLength);
    }
    if (spec.idempotencyKey) headers['idempotency-key'] = spec.idempotencyKey;

    let reminted = false;
    for (let attempt = 1; ; attempt += 1) {
      let retryAfterMs: number | null = null;
      let failure: unknown;
      try {
        const remaining = startedAt + this.#retry.deadlineMs - clock.now();
        const timeoutMs = Math.max(1, Math.min(this.#timeoutMs, remaining));
        const bearer = sendsBearer ? await this.#tokens.getToken() : null;
        const result = await send(this.#fetch, {
          operation: spec.operation,
          method: spec.method,
          url,
          apiOrigin,
          bearer,
          headers,
          body: spec.multipart ? spec.multipart.open() : (jsonBody ?? null),
          timeoutMs,
        });
        const { response } = result;
        const meta: ResponseMeta = {
          httpStatus: response.status,
          xRequestId: response.headers.get('x-request-id'),
          attempts: attempt,
        };
        if ((response.status >= 200 && response.status < 300) || spec.alsoAccept?.includes(response.status)) {
          const exchange = { result, meta };
          if (consume) await consume(exchange);
          return exchange;
        }
        const text = await readText(spec.operation, result, timeoutMs);
        const problem = {
          ...parseProblem(response.status, response.statusText, text),
          status: response.status,
        };
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        const apiError = new SimulacraApiError({
          operation: spec.operation,
          problem,
          xRequestId: meta.xRequestId,
          retryable: classifyProblem(problem) === 'retryable',
          retryAfterSeconds: retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1000),
        });
        if (response.status === 401 && bearer !== null && !reminted) {
          // The token was revoked or expired early: re-mint exactly once, immediately.
          this.#tokens.invalidate(bearer);
          reminted = true;
          continue;
        }
        failure = spec.mapError ? spec.mapError(apiError) : apiError;
      } catch (err) {
        failure = err;
      }
      const retryable =
        spec.retry && !(failure instanceof ArtifactUrlExpiredError) && classifyError(failure) === 'retryable';
      const delay = retryable
        ? nextDelay({ attempt, startedAt, retryAfterMs, options: this.#retry, clock })
        : null;
      if (delay === null) throw failure;
      await clock.sleep(delay);
    }
  }
}

/** A path of the patched spec (checked at compile time against the generated types). */
type ApiPath = keyof paths;
type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParams<Rest>
  : never;

/** Fills a spec path template with already validated, URL-encoded segments. */
function route<P extends ApiPath>(
  template: P,
  ...[params]: PathParams<P> extends never ? [] : [Record<PathParams<P>, string>]
): string {
  const values = (params ?? {}) as Record<string, string>;
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => values[name] ?? '');
}

/** One page of a list operation: its `items` (none when the vendor sends null) and the paging fields. */
function toPage<T>(
  items: readonly T[] | null | undefined,
  body: { readonly next_cursor: string | null; readonly limit: number; readonly request_id: string },
  meta: ResponseMeta,
): Page<T> {
  return {
    items: items ?? [],
    next_cursor: body.next_cursor,
    limit: body.limit,
    request_id: body.request_id,
    meta,
  };
}

function pageQuery(
  input: { limit?: number; cursor?: string } | undefined,
): Record<string, string | number | undefined> {
  return {
    limit: input?.limit === undefined ? undefined : validate.integerInRange('limit', input.limit, 1, 100),
    cursor: input?.cursor === undefined || input.cursor === '' ? undefined : input.cursor,
  };
}
