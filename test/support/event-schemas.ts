/**
 * Validates pipeline events against their published JSON Schemas (draft-04, as the EventBridge
 * schema registry reads them), for unit and end-to-end tests.
 */
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { DETAIL_TYPES, type DetailTypeName } from '../../src/events/catalog.ts';
import { EVENT_SCHEMAS } from '../../src/events/schemas.ts';

// Both are CommonJS modules whose default export is the class/plugin itself under Node's ESM interop.
const AjvDraft04 = AjvDraft04Module as unknown as typeof AjvDraft04Module.default;
const addFormats = addFormatsModule as unknown as FormatsPlugin;
const ajv = new AjvDraft04({ allErrors: true, strict: true });
addFormats(ajv);
const validators = new Map<DetailTypeName, ValidateFunction>(
  DETAIL_TYPES.map((detailType) => [detailType, ajv.compile(EVENT_SCHEMAS[detailType])]),
);

/** The problems of `event` (an EventBridge event) against its detail type's schema; [] when valid. */
export function eventSchemaProblems(event: { readonly 'detail-type'?: unknown }): string[] {
  const validate = validators.get(event['detail-type'] as DetailTypeName);
  if (!validate) return [`no schema for detail type ${JSON.stringify(event['detail-type'])}`];
  if (validate(event)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

/** An EventBridge event as a target receives it, for an entry the pipeline sent. */
export function asDelivered(entry: {
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': entry.detailType,
    source: entry.source,
    account: '123456789012',
    time: '2026-05-01T17:30:00Z',
    region: 'us-east-1',
    resources: [],
    detail: entry.detail,
  };
}
