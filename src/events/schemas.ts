/**
 * JSON Schemas (draft-04, the dialect the EventBridge schema registry accepts as
 * `JSONSchemaDraft4`) of the pipeline's events: one per detail type, describing the whole
 * EventBridge event with its `detail`. The construct publishes them to a schema registry; tests
 * validate every emitted event against them. Details are closed (`additionalProperties: false`),
 * so a field added without a schema change fails the tests; consumers should still ignore fields
 * they do not know, as later minor versions may add some.
 */
import { DETAIL_TYPES, DetailType, EVENT_SOURCE, SCHEMA_VERSIONS, type DetailTypeName } from './catalog.ts';

/** A JSON Schema document (draft-04). */
export type JsonSchema = { readonly [keyword: string]: unknown };

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

const string = { type: 'string', minLength: 1 } as const;
const nullableString = { type: ['string', 'null'] } as const;
const count = { type: 'integer', minimum: 0 } as const;

function object(properties: Record<string, unknown>, required = Object.keys(properties)): JsonSchema {
  return { type: 'object', additionalProperties: false, required, properties };
}

const seedRef = object({
  bucket: string,
  key: string,
  versionId: nullableString,
  etag: nullableString,
  size: count,
});
const nullableSeedRef = { oneOf: [{ type: 'null' }, seedRef] };

/** What support needs about a failure: vendor problem code and request ids, never secrets. */
const runFailure = object({
  error: string,
  code: nullableString,
  detail: nullableString,
  message: nullableString,
  status: { type: ['integer', 'null'] },
  request_id: nullableString,
  x_request_id: nullableString,
  operation: nullableString,
  job_id: nullableString,
  dataset_id: nullableString,
  generation_id: nullableString,
});

/** The fields every detail starts with; `schemaVersion` is the detail type's current version. */
function base(detailType: DetailTypeName): Record<string, unknown> {
  return {
    schemaVersion: { type: 'integer', enum: [SCHEMA_VERSIONS[detailType]] },
    eventId: { type: 'string', pattern: '^evt_[0-9a-f]{40}$' },
    runId: string,
  };
}
const kind = { type: 'string', enum: ['ingest', 'generate'] };
const time = { type: 'string', format: 'date-time' };

/** The `detail` schema of each detail type. */
export const DETAIL_SCHEMAS: Readonly<Record<DetailTypeName, JsonSchema>> = {
  [DetailType.seedAccepted]: object({
    ...base(DetailType.seedAccepted),
    feed: string,
    seed: seedRef,
    executionArn: nullableString,
    acceptedAt: time,
  }),
  [DetailType.seedRejected]: object({
    ...base(DetailType.seedRejected),
    feed: nullableString,
    folder: nullableString,
    seed: seedRef,
    rejection: object({ code: string, reason: string }),
    rejectedAt: time,
  }),
  [DetailType.scenarioLanded]: object({
    ...base(DetailType.scenarioLanded),
    kind,
    feed: string,
    datasetId: nullableString,
    seed: nullableSeedRef,
    scenario: string,
    generationId: string,
    jobId: nullableString,
    outputKey: string,
    manifestKey: string,
    format: { type: 'string', enum: ['parquet', 'csv', 'arrow'] },
    rowsGenerated: count,
    partial: { type: 'boolean' },
    bytes: { type: ['integer', 'null'], minimum: 0 },
  }),
  [DetailType.scenarioFailed]: object({
    ...base(DetailType.scenarioFailed),
    kind,
    feed: string,
    datasetId: nullableString,
    scenario: string,
    outcome: { type: 'string', enum: ['failed', 'skipped'] },
    failure: runFailure,
  }),
  [DetailType.runFinished]: object({
    ...base(DetailType.runFinished),
    kind,
    feed: nullableString,
    status: { type: 'string', enum: ['SUCCEEDED', 'PARTIAL', 'FAILED', 'SKIPPED'] },
    executionArn: nullableString,
    datasetId: nullableString,
    seed: nullableSeedRef,
    scenarios: object({ landed: count, failed: count }),
    failure: { oneOf: [{ type: 'null' }, runFailure] },
    skip: { oneOf: [{ type: 'null' }, object({ code: string, reason: string })] },
    finishedAt: time,
  }),
};

/** The registry name of a detail type's schema, e.g. `simulacra.pipeline@SeedAccepted`. */
export function schemaName(detailType: DetailTypeName): string {
  return `${EVENT_SOURCE}@${detailType.replace(/\s+/g, '')}`;
}

/** The full EventBridge event schema of one detail type (what the registry holds). */
export function eventSchema(detailType: DetailTypeName): JsonSchema {
  return {
    $schema: DRAFT_04,
    id: `https://schemas.simulacra-pipeline.dev/events/v${SCHEMA_VERSIONS[detailType]}/${schemaName(detailType)}.json`,
    title: `${detailType} (${EVENT_SOURCE}, v${SCHEMA_VERSIONS[detailType]})`,
    type: 'object',
    required: ['detail-type', 'source', 'detail'],
    properties: {
      version: { type: 'string' },
      id: { type: 'string' },
      'detail-type': { type: 'string', enum: [detailType] },
      source: { type: 'string', enum: [EVENT_SOURCE] },
      account: { type: 'string' },
      time: { type: 'string', format: 'date-time' },
      region: { type: 'string' },
      resources: { type: 'array', items: { type: 'string' } },
      detail: DETAIL_SCHEMAS[detailType],
    },
  };
}

/** Every event schema by detail type. */
export const EVENT_SCHEMAS: Readonly<Record<DetailTypeName, JsonSchema>> = Object.fromEntries(
  DETAIL_TYPES.map((detailType) => [detailType, eventSchema(detailType)]),
) as Record<DetailTypeName, JsonSchema>;
