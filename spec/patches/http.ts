/**
 * Patches to the HTTP surface of existing operations: response headers, undocumented error
 * statuses, list pagination, idempotency-key headers, artifact content types, the server URL.
 */
import {
  IDEMPOTENCY_KEY_PATTERN,
  isObject,
  objectAt,
  operation,
  operations,
  problemExample,
  problemResponse,
  type JsonObject,
} from '../json.ts';

/**
 * Response headers are declared nowhere (notes §0, §10.24): every response carries `X-Request-Id`
 * (keep it for support) and 429/503 may carry `Retry-After`. Declare both once and attach
 * `X-Request-Id` to every response of every operation.
 */
export function declareResponseHeaders(spec: JsonObject): void {
  const components = objectAt(spec, ['components']);
  components.headers = {
    XRequestId: {
      description:
        'Correlation id of this HTTP exchange (`req_…`). Equals the body `request_id` on fresh (non-replayed) requests.',
      required: true,
      schema: { type: 'string' },
      example: 'req_2YH3Kxq8wABC123def456',
    },
    RetryAfter: {
      description: 'How long to wait before retrying: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).',
      required: false,
      schema: { type: 'string' },
      example: '2',
    },
  };
  for (const op of operations(spec)) {
    if (!isObject(op.responses)) continue;
    for (const response of Object.values(op.responses)) {
      if (!isObject(response)) continue;
      const headers: JsonObject = isObject(response.headers) ? response.headers : {};
      headers['X-Request-Id'] = { $ref: '#/components/headers/XRequestId' };
      response.headers = headers;
    }
  }
}

/**
 * 403, 429 and 5xx are never listed but the prose tells clients to handle them (notes §0, §4):
 * add them to every operation, with `Retry-After` on 429 and 503.
 */
export function declareUndocumentedErrorStatuses(spec: JsonObject): void {
  const undocumented = [
    {
      status: 403,
      name: 'Forbidden',
      title: 'Forbidden',
      detail: 'Access denied.',
      description: 'Forbidden.',
    },
    {
      status: 429,
      name: 'TooManyRequests',
      title: 'Too Many Requests',
      detail: 'Rate limit exceeded.',
      description: 'Rate limited; retry after `Retry-After` with the same Idempotency-Key and body.',
      retryAfter: true,
    },
    {
      status: 500,
      name: 'InternalServerError',
      title: 'Internal Server Error',
      detail: 'An unexpected error occurred.',
      description: 'Transient server error; retry with backoff, reusing the Idempotency-Key on POSTs.',
    },
    {
      status: 502,
      name: 'BadGateway',
      title: 'Bad Gateway',
      detail: 'Upstream error.',
      description: 'Transient upstream error; retry with backoff.',
    },
    {
      status: 503,
      name: 'ServiceUnavailable',
      title: 'Service Unavailable',
      detail: 'Service temporarily unavailable.',
      description: 'Temporarily unavailable; retry after `Retry-After`.',
      retryAfter: true,
    },
    {
      status: 504,
      name: 'GatewayTimeout',
      title: 'Gateway Timeout',
      detail: 'Upstream timeout.',
      description: 'Transient timeout; retry with backoff.',
    },
  ];
  const components = objectAt(spec, ['components']);
  components.responses = Object.fromEntries(
    undocumented.map(({ status, name, title, detail, description, retryAfter }) => {
      const response = problemResponse(description, problemExample(status, title, detail));
      if (retryAfter) {
        (response.headers as JsonObject)['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
      }
      return [name, response];
    }),
  );
  for (const op of operations(spec)) {
    if (!isObject(op.responses)) continue;
    for (const { status, name } of undocumented) {
      if (!(status in op.responses)) op.responses[status] = { $ref: `#/components/responses/${name}` };
    }
  }
}

/**
 * `listDatasets` accepts `limit` and `cursor` but declares neither; `listDatasetGenerations`
 * declares them without their bounds (notes §0, §9: integer 1–100, default 25; opaque cursor).
 */
export function declareListPagination(spec: JsonObject): void {
  const limit: JsonObject = {
    name: 'limit',
    in: 'query',
    required: false,
    description:
      'Page size, an integer 1–100 (default 25). 0, over 100 or a non-integer gives 400 `simio_invalid_field`.',
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
  };
  const cursor: JsonObject = {
    name: 'cursor',
    in: 'query',
    required: false,
    description: 'Opaque `next_cursor` of the previous page, passed back unchanged.',
    schema: { type: 'string' },
  };
  for (const [path, method] of [
    ['/v1/datasets', 'get'],
    ['/v1/datasets/{dataset_id}/generations', 'get'],
  ] as const) {
    const op = operation(spec, path, method);
    const parameters = Array.isArray(op.parameters) ? op.parameters : [];
    op.parameters = [
      ...parameters.filter(
        (p) => !(isObject(p) && p.in === 'query' && (p.name === 'limit' || p.name === 'cursor')),
      ),
      structuredClone(limit),
      structuredClone(cursor),
    ];
  }
}

export function idempotencyKeyHeader(description: string): JsonObject {
  return {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description,
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN },
  };
}

/**
 * `createDataset` honours the `Idempotency-Key` header (documented in prose, preferred over the
 * form field) but only `createGeneration` declares it; declare it on both, with its format (notes §0, §3).
 */
export function declareIdempotencyKeyHeaders(spec: JsonObject): void {
  const descriptions: Record<string, string> = {
    createDataset:
      'Makes the upload idempotent for 24 h per tenant. The fingerprint includes the seed file content hash: ' +
      'the same key with a different body gives 409 `simio_idempotency_conflict`, as does a request still in flight.',
    createGeneration:
      'Makes the generation idempotent, scoped per dataset. The same key with a different body gives 409 `simio_idempotency_conflict`.',
  };
  for (const [path, method, operationId] of [
    ['/v1/datasets', 'post', 'createDataset'],
    ['/v1/datasets/{dataset_id}/generations', 'post', 'createGeneration'],
  ] as const) {
    const op = operation(spec, path, method);
    const parameters = Array.isArray(op.parameters) ? op.parameters : [];
    op.parameters = [
      ...parameters.filter((p) => !(isObject(p) && p.in === 'header' && p.name === 'Idempotency-Key')),
      idempotencyKeyHeader(descriptions[operationId] ?? ''),
    ];
  }
}

/**
 * The download's Content-Type matches `output_format` in the prose, while the spec lists only
 * `application/octet-stream` (notes §1.3, §10.22); declare the three real types as well.
 */
export function declareArtifactContentTypes(spec: JsonObject): void {
  const content = objectAt(spec, [
    'paths',
    '/v1/generations/{generation_id}/download',
    'get',
    'responses',
    '200',
    'content',
  ]);
  for (const type of ['application/vnd.apache.parquet', 'text/csv', 'application/vnd.apache.arrow.file']) {
    content[type] = { schema: { type: 'string', format: 'binary' } };
  }
}

/** `servers[0].url` is `""`; name the production base URL (clients still take it from config). */
export function declareProductionServer(spec: JsonObject): void {
  spec.servers = [{ url: 'https://api.simulacra-data.com', description: 'Production' }];
}
