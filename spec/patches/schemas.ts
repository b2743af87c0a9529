/**
 * Patches to the shape of schemas and examples: 3.0 `nullable` rewritten for 3.1, example-only objects
 * given schemas, the shared Problem and dataset summary schemas, typed encryption context.
 */
import {
  PROBLEM_REF,
  isObject,
  jsonMediaPath,
  objectAt,
  operations,
  walk,
  type Json,
  type JsonObject,
} from '../json.ts';

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
