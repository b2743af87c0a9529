/**
 * Patches that declare operations the document leaves out: credential rotation and the service
 * routes the operating rules describe.
 */
import {
  PROBLEM_REF,
  jsonResponse,
  objectAt,
  operation,
  problemExample,
  problemResponse,
  type JsonObject,
} from '../json.ts';
import { idempotencyKeyHeader } from './http.ts';

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
