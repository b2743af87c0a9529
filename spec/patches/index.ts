/**
 * The spec patches in the order they apply, and the function applying them all.
 */
import { sortKeys, type JsonObject } from '../json.ts';
import {
  convertNullableToTypeUnions,
  declareExampleOnlySchemas,
  extractProblemSchema,
  replaceEmptyObjectNullsInExamples,
  shareDatasetSummarySchemas,
  typeEncryptionContext,
} from './schemas.ts';
import {
  declareArtifactContentTypes,
  declareIdempotencyKeyHeaders,
  declareListPagination,
  declareProductionServer,
  declareResponseHeaders,
  declareUndocumentedErrorStatuses,
} from './http.ts';
import { declareCredentialRotation, declareServiceRoutes } from './routes.ts';

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
