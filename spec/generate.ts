/**
 * Patches the vendored Simulacra OpenAPI document for the gaps listed in
 * `/work/shared/simulacra-contract-notes.md` (§0 spec hygiene, §4 errors, §9 quirks, §10 choices) and
 * generates TypeScript types from the patched document.
 *
 * Outputs (commit both):
 *  - `spec/simulacra-openapi.patched.json`: the contract the client, the simulator's response
 *    validation and `prism mock` use. Keys are sorted recursively (except inside `examples`
 *    maps) so regeneration is stable.
 *  - `src/client/generated/api-types.ts`: openapi-typescript types of the patched document.
 *
 * Usage: `tsx spec/generate.ts` writes both files; `tsx spec/generate.ts --check` regenerates them
 * in memory and exits 1 naming every file that is stale (CI runs this as `npm run check:spec`).
 *
 * Each patch is a small named function that mutates the parsed document; the vendored file is
 * never edited. A patch that cannot find what it expects throws, so a new vendor spec that moved
 * things fails loudly instead of silently producing a different contract.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenAPI3 } from 'openapi-typescript';
import * as prettier from 'prettier';

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_SPEC = join(ROOT, 'spec/simulacra-openapi.json');
const PATCHED_SPEC = join(ROOT, 'spec/simulacra-openapi.patched.json');
const GENERATED_TYPES = join(ROOT, 'src/client/generated/api-types.ts');

const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
const PROBLEM_REF = '#/components/schemas/Problem';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

// ---------------------------------------------------------------------------------------------
// JSON helpers

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(root: JsonObject, path: readonly string[]): JsonObject {
  let current: Json = root;
  for (const key of path) {
    if (!isObject(current) || !isObject(current[key])) {
      throw new Error(`spec patch: expected an object at /${path.join('/')} (missing "${key}")`);
    }
    current = current[key];
  }
  return current;
}

/** Where the `application/json` media object of one response of an operation is, for {@link objectAt}. */
function jsonMediaPath(path: string, method: string, status: string): string[] {
  return ['paths', path, method, 'responses', status, 'content', 'application/json'];
}

function operation(spec: JsonObject, path: string, method: string): JsonObject {
  return objectAt(spec, ['paths', path, method]);
}

function operations(spec: JsonObject): JsonObject[] {
  const result: JsonObject[] = [];
  for (const item of Object.values(objectAt(spec, ['paths']))) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op)) result.push(op);
    }
  }
  return result;
}

function walk(value: Json, visit: (node: JsonObject, key: string | null) => void, key: string | null = null) {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit, key);
  } else if (isObject(value)) {
    visit(value, key);
    for (const [childKey, child] of Object.entries(value)) walk(child, visit, childKey);
  }
}

/**
 * Sorts object keys recursively, except the entries of an `examples` map: mock servers (Prism)
 * answer with the first example by default, so the vendor's order there carries meaning.
 */
function sortKeys(value: Json, keepOrder = false): Json {
  if (Array.isArray(value)) return value.map((item) => sortKeys(item));
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort();
  for (const key of keys) sorted[key] = sortKeys(value[key] as Json, key === 'examples' && !keepOrder);
  return sorted;
}

function jsonResponse(description: string, schema: JsonObject, example?: Json): JsonObject {
  const media: JsonObject = { schema };
  if (example !== undefined) media.example = example;
  return {
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
    content: { 'application/json': media },
  };
}

function problemResponse(description: string, example: JsonObject): JsonObject {
  return {
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
    content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF }, example } },
  };
}

function problemExample(status: number, title: string, detail: string, code?: string): JsonObject {
  return code
    ? { type: `https://api.simulacra-data.com/errors/${code}`, title, status, detail, code }
    : { type: 'about:blank', title, status, detail };
}

// ---------------------------------------------------------------------------------------------
// Patches

/**
 * The document says 3.1.0 but marks nullable fields with the 3.0-only `nullable: true`, which 3.1
 * tooling ignores (generated types would be non-null). Rewrite to `type: [T, "null"]` (notes §0, §10.1).
 */
export function convertNullableToTypeUnions(spec: JsonObject): void {
  walk(spec, (node) => {
    if (node.nullable !== true) return;
    delete node.nullable;
    const type = node.type;
    if (typeof type === 'string') node.type = [type, 'null'];
    else if (Array.isArray(type) && !type.includes('null')) type.push('null');
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null);
  });
}

/**
 * The live API serialises R `NULL` as `{}` (jsonlite), so the vendor's examples show
 * `next_cursor: {}`, `completed_at: {}`, `error: {}`... (notes §9). The contract means null; the
 * client's decoder tolerates `{}`, but the patched document states the intended null so that
 * Prism's example responses and the simulator's response validation agree with the schemas.
 */
export function replaceEmptyObjectNullsInExamples(spec: JsonObject): void {
  const fix = (example: Json, schema: Json): Json => {
    if (!isObject(schema)) return example;
    const type = schema.type;
    const allowsNull = Array.isArray(type) && type.includes('null');
    if (allowsNull && isObject(example) && Object.keys(example).length === 0) return null;
    if (isObject(example) && isObject(schema.properties)) {
      for (const [key, value] of Object.entries(example)) {
        example[key] = fix(value, schema.properties[key] ?? null);
      }
    } else if (Array.isArray(example) && isObject(schema.items)) {
      return example.map((item) => fix(item, schema.items as Json));
    }
    return example;
  };
  walk(spec, (node) => {
    if (!isObject(node.schema)) return;
    if ('example' in node) node.example = fix(node.example, node.schema);
    if (isObject(node.examples)) {
      for (const entry of Object.values(node.examples)) {
        if (isObject(entry) && 'value' in entry) entry.value = fix(entry.value, node.schema);
      }
    }
  });
}

/**
 * Every problem body is the same inline schema; name it once (`components.schemas.Problem`), add
 * the optional `request_id` the prose asks clients to preserve (notes §4) and allow extra members.
 */
export function extractProblemSchema(spec: JsonObject): void {
  const components = objectAt(spec, ['components']);
  const schemas: JsonObject = isObject(components.schemas) ? components.schemas : {};
  components.schemas = schemas;
  schemas.Problem = {
    type: 'object',
    description:
      'RFC 9457 problem document. When `code` is present, `type` is `https://api.simulacra-data.com/errors/{code}`; ' +
      'branch on `code`, not on status (402 and 413 share causes in the prose).',
    required: ['type', 'title', 'status', 'detail'],
    additionalProperties: true,
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', description: 'Stable vendor error code, e.g. `simio_quota_exhausted`.' },
      request_id: { type: 'string', description: 'Per-request correlation id (`req_…`), when sent.' },
    },
  };
  for (const op of operations(spec)) {
    if (!isObject(op.responses)) continue;
    for (const response of Object.values(op.responses)) {
      if (!isObject(response) || !isObject(response.content)) continue;
      const media = response.content['application/problem+json'];
      if (isObject(media)) media.schema = { $ref: PROBLEM_REF };
    }
  }
}

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

function idempotencyKeyHeader(description: string): JsonObject {
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

const rotationSchema: JsonObject = {
  type: 'object',
  required: ['rotation_request_id', 'client_id', 'credential_claim_token'],
  additionalProperties: true,
  properties: {
    rotation_request_id: { type: 'string', description: '`rot_…`' },
    client_id: { type: 'string' },
    credential_claim_token: {
      type: 'string',
      description:
        'One-time claim token for the new secret; redeem at `POST /v1/credential-claims`. Never log it.',
    },
    request_id: { type: 'string' },
  },
};

/**
 * `POST /v1/credential-rotations` has no requestBody, responses, tags or stable operationId
 * (notes §0, §7.5, §10.9, §10.26). Prose: bearer + Idempotency-Key; 201 first call, 200 replay
 * with the same `rotation_request_id` + claim token; 3 per 24 h per client (429 assumed).
 */
export function declareCredentialRotation(spec: JsonObject): void {
  const op = operation(spec, '/v1/credential-rotations', 'post');
  op.operationId = 'rotateCredentials';
  op.summary = 'Rotate the client secret (self-service)';
  op.tags = ['Reference'];
  op['x-openai-isConsequential'] = true;
  op.security = [{ bearerAuth: [] }];
  op.parameters = [
    idempotencyKeyHeader(
      'Replays within 24 h return the same rotation and claim token with HTTP 200, without using up the 3-per-24 h budget.',
    ),
  ];
  const example = {
    rotation_request_id: 'rot_0123456789abcdef0123456789abcdef',
    client_id: 'acme_research_m2m_8f2a1c',
    credential_claim_token: 'cred_0123456789abcdef0123456789abcdef',
  };
  op.responses = {
    '201': jsonResponse(
      'Secret rotated; claim the new secret with the returned token.',
      rotationSchema,
      example,
    ),
    '200': jsonResponse(
      'Idempotent replay of an earlier rotation with the same key.',
      rotationSchema,
      example,
    ),
    '401': problemResponse(
      'Invalid credentials.',
      problemExample(401, 'Unauthorized', 'Invalid credentials.'),
    ),
    '409': problemResponse(
      'Idempotency-Key reused while the first request is still in flight.',
      problemExample(
        409,
        'Conflict',
        'idempotency_key is already in use by a request in flight.',
        'simio_idempotency_conflict',
      ),
    ),
    '429': {
      description:
        'More than 3 rotations in 24 h for this client (code invented by this project, notes §10.9).',
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/XRequestId' },
        'Retry-After': { $ref: '#/components/headers/RetryAfter' },
      },
      content: {
        'application/problem+json': {
          schema: { $ref: PROBLEM_REF },
          example: problemExample(
            429,
            'Too Many Requests',
            'Credential rotation limit reached (3 per 24 h).',
            'simio_rate_limited',
          ),
        },
      },
    },
  };
}

/**
 * The rotation-request endpoints, the credential claim and the 207 partial generation have
 * examples but no schemas (notes §1.1, §1.3, §10.10); declare schemas matching the examples.
 */
export function declareExampleOnlySchemas(spec: JsonObject): void {
  const rotationRequest: JsonObject = {
    type: 'object',
    required: ['rotation_request_id', 'status'],
    additionalProperties: true,
    properties: {
      rotation_request_id: { type: 'string' },
      client_id: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'completed'] },
      credential_claim_token: {
        type: ['string', 'null'],
        description: 'Present once `completed`. Never log it.',
      },
      request_id: { type: 'string' },
    },
  };
  const setSchema = (path: string, method: string, status: string, schema: JsonObject) => {
    const media = objectAt(spec, jsonMediaPath(path, method, status));
    media.schema = schema;
  };
  setSchema('/v1/credential-rotation-requests', 'post', '202', rotationRequest);
  setSchema('/v1/credential-rotation-requests/{rotation_request_id}', 'get', '200', rotationRequest);
  setSchema('/v1/credential-claims', 'post', '200', {
    type: 'object',
    required: ['client_id', 'client_secret'],
    additionalProperties: true,
    properties: {
      client_id: { type: 'string' },
      client_secret: {
        type: 'string',
        description: 'Shown exactly once: store it in a secret manager immediately.',
      },
      token_url: { type: 'string' },
      audience: { type: 'string' },
      grant_type: { type: 'string', enum: ['client_credentials'] },
      purpose: { type: 'string', enum: ['initial', 'rotation'] },
    },
  });
  const ready = objectAt(spec, [
    ...jsonMediaPath('/v1/datasets/{dataset_id}/generations', 'post', '200'),
    'schema',
  ]);
  const partial = structuredClone(ready);
  objectAt(partial, ['properties', 'status']).enum = ['partial'];
  partial.description = 'Synchronous partial result: `rows_generated < rows_requested`.';
  setSchema('/v1/datasets/{dataset_id}/generations', 'post', '207', partial);
}

/**
 * The createDataset 200 declares `cleaning_summary`/`training_summary` as bare objects while
 * getDataset spells them out; use the detailed shapes for both (notes §1.2).
 */
export function shareDatasetSummarySchemas(spec: JsonObject): void {
  const detailed = objectAt(spec, [
    ...jsonMediaPath('/v1/datasets/{dataset_id}', 'get', '200'),
    'schema',
    'properties',
  ]);
  const created = objectAt(spec, [...jsonMediaPath('/v1/datasets', 'post', '200'), 'schema', 'properties']);
  created.cleaning_summary = structuredClone(detailed.cleaning_summary as Json);
  created.training_summary = structuredClone(detailed.training_summary as Json);
}

/** `encryption_context` is a string→string map used verbatim as the KMS EncryptionContext (notes §5). */
export function typeEncryptionContext(spec: JsonObject): void {
  const encryption = objectAt(spec, [
    ...jsonMediaPath('/v1/generations/{generation_id}', 'get', '200'),
    'schema',
    'properties',
    'artifact_encryption',
    'properties',
    'encryption_context',
  ]);
  encryption.additionalProperties = { type: 'string' };
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

/**
 * `/healthz` and the docs pages have path-derived operationIds and no responses; `/errors`,
 * `/errors/{code}` and `/openapi.json` exist but are not in `paths` (notes §0, §10.25, §10.26).
 */
export function declareServiceRoutes(spec: JsonObject): void {
  const paths = objectAt(spec, ['paths']);
  const health = operation(spec, '/healthz', 'get');
  health.operationId = 'getHealth';
  health.security = [];
  health.tags = ['Reference'];
  health.responses = {
    '200': jsonResponse(
      'The service is up.',
      {
        type: 'object',
        required: ['status'],
        additionalProperties: true,
        properties: { status: { type: 'string' } },
      },
      { status: 'ok' },
    ),
  };
  const html = (description: string): JsonObject => ({
    '200': { description, content: { 'text/html': { schema: { type: 'string' } } } },
  });
  const docs: Array<[string, string, string]> = [
    ['/', 'getLandingPage', 'Landing page.'],
    ['/docs', 'getDocs', 'API documentation page.'],
    ['/__docs__/', 'getInteractiveDocs', 'Interactive API documentation.'],
  ];
  for (const [path, operationId, description] of docs) {
    const op = operation(spec, path, 'get');
    op.operationId = operationId;
    op.security = [];
    op.responses = html(description);
  }
  const entry: JsonObject = {
    type: 'object',
    required: ['code', 'title', 'status', 'retryable', 'cause', 'fix'],
    additionalProperties: true,
    properties: {
      code: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      retryable: { type: 'boolean' },
      cause: { type: 'string' },
      fix: { type: 'string' },
    },
  };
  const entryExample = {
    code: 'simio_quota_exhausted',
    title: 'Quota exhausted',
    status: 402,
    retryable: false,
    cause: 'The tenant row quota is used up.',
    fix: 'Request fewer rows or raise the subscription.',
  };
  paths['/errors'] = {
    get: {
      operationId: 'listErrorCatalog',
      summary: 'Error catalog index',
      tags: ['Reference'],
      security: [],
      responses: {
        '200': jsonResponse(
          'Every documented error code.',
          {
            type: 'object',
            required: ['errors'],
            additionalProperties: true,
            properties: { errors: { type: 'array', items: entry } },
          },
          { errors: [entryExample] },
        ),
      },
    },
  };
  paths['/errors/{code}'] = {
    get: {
      operationId: 'getErrorCatalogEntry',
      summary: 'One error code: cause, fix, retryability',
      tags: ['Reference'],
      security: [],
      parameters: [
        {
          name: 'code',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          example: 'simio_quota_exhausted',
        },
      ],
      responses: {
        '200': jsonResponse('The catalog entry.', entry, entryExample),
        '404': problemResponse('Unknown code.', problemExample(404, 'Not Found', 'Unknown error code.')),
      },
    },
  };
  paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument',
      summary: 'This contract',
      tags: ['Reference'],
      security: [],
      responses: {
        '200': {
          description: 'The OpenAPI document.',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  };
}

/** `servers[0].url` is `""`; name the production base URL (clients still take it from config). */
export function declareProductionServer(spec: JsonObject): void {
  spec.servers = [{ url: 'https://api.simulacra-data.com', description: 'Production' }];
}

/** Applied in order; later patches rely on earlier ones (e.g. headers are attached to the added responses). */
export const PATCHES: ReadonlyArray<(spec: JsonObject) => void> = [
  convertNullableToTypeUnions,
  replaceEmptyObjectNullsInExamples,
  extractProblemSchema,
  declareListPagination,
  declareIdempotencyKeyHeaders,
  declareCredentialRotation,
  declareExampleOnlySchemas,
  shareDatasetSummarySchemas,
  typeEncryptionContext,
  declareArtifactContentTypes,
  declareServiceRoutes,
  declareProductionServer,
  declareResponseHeaders,
  declareUndocumentedErrorStatuses,
];

/** Returns the patched document (a new object; `source` is not modified). */
export function patchSpec(source: JsonObject): JsonObject {
  const spec = structuredClone(source);
  for (const patch of PATCHES) patch(spec);
  return sortKeys(spec) as JsonObject;
}

// ---------------------------------------------------------------------------------------------
// Generation

async function format(text: string, filepath: string): Promise<string> {
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...config, filepath });
}

/** Produces the contents of both output files, keyed by absolute path. */
export async function generate(): Promise<Map<string, string>> {
  const source = JSON.parse(await readFile(SOURCE_SPEC, 'utf8')) as JsonObject;
  const patched = patchSpec(source);
  const ast = await openapiTS(structuredClone(patched) as unknown as OpenAPI3, { silent: true });
  const header =
    '// Generated by spec/generate.ts from spec/simulacra-openapi.patched.json (npm run gen:spec). Do not edit.\n';
  return new Map([
    [PATCHED_SPEC, await format(JSON.stringify(patched, null, 2), PATCHED_SPEC)],
    [GENERATED_TYPES, await format(header + astToString(ast), GENERATED_TYPES)],
  ]);
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const outputs = await generate();
  if (check) {
    const stale: string[] = [];
    for (const [file, expected] of outputs) {
      const actual = await readFile(file, 'utf8').catch(() => null);
      if (actual !== expected) stale.push(relative(ROOT, file));
    }
    if (stale.length > 0) {
      console.error(
        `Generated spec outputs are stale or missing: ${stale.join(', ')}. Run \`npm run gen:spec\` and commit the result.`,
      );
      return 1;
    }
    console.log('spec outputs are up to date');
    return 0;
  }
  for (const [file, contents] of outputs) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, contents);
    console.log(`wrote ${relative(ROOT, file)}`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
