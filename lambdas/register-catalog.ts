/**
 * RegisterCatalog task: makes a landed generation queryable in Athena (Glue table per feed,
 * partition per generation, Athena-safe names, positional schema evolution) from its landing
 * manifest. The work is in
 * `src/catalog/register.ts`; this file validates input and config and maps errors.
 */
import * as z from '../src/contracts/zod.ts';
import {
  CatalogRegistrationError,
  ManifestNotFoundError,
  registerCatalog,
  type RegisterCatalogResult,
} from '../src/catalog/register.ts';
import { LandingStorageError } from '../src/landing/errors.ts';
import { ManifestFormatError } from '../src/landing/manifest.ts';
import { glue } from './commons/clients/glue.ts';
import { s3 } from './commons/clients/s3.ts';
import { requiredString } from './commons/config.ts';
import {
  fromAwsCause,
  failure,
  InputValidationError,
  toStateError,
  type FailureIds,
  type StateError,
} from '../src/contracts/state-errors.ts';
import { defineHandler, stringField } from './commons/handler.ts';
import { logger } from './commons/observability.ts';

const configShape = {
  OUTPUT_BUCKET_NAME: requiredString(),
  GLUE_DATABASE_NAME: requiredString(),
};

/** Input: the landing manifest's key; everything else is read from the manifest (extra fields ignored). */
export const registerCatalogEventSchema = z.object({
  manifestKey: z.string().check(
    z.regex(/^_manifests\/feed=[^/]+\/scenario=[^/]+\/dt=\d{4}-\d{2}-\d{2}\/[A-Za-z0-9_-]+\.json$/, {
      message:
        'must be a landing manifest key (_manifests/feed=<feed>/scenario=<name>/dt=<YYYY-MM-DD>/<id>.json)',
    }),
  ),
  generationId: z.optional(z.string()),
});

/** Maps catalog errors to the state errors the ASL Retry/Catch rules match on. */
export function toCatalogStateError(err: unknown, ids: FailureIds): StateError {
  if (err instanceof ManifestNotFoundError || err instanceof ManifestFormatError) {
    return new InputValidationError(failure('manifest_invalid', err.message, ids), { cause: err });
  }
  if (err instanceof CatalogRegistrationError || err instanceof LandingStorageError) {
    return fromAwsCause(err, failure('catalog_registration_failed', err.message, ids));
  }
  return toStateError(err, ids);
}

/** Lambda entry point. */
export const handler = defineHandler({
  name: 'Catalog registration',
  input: registerCatalogEventSchema,
  config: configShape,
  logKeys: (input) => ({ manifestKey: input.manifestKey, generationId: input.generationId ?? null }),
  failureIds: (event) => ({ generation_id: stringField(event, 'generationId') }),
  mapError: toCatalogStateError,
  run: async (input, config): Promise<RegisterCatalogResult> => {
    const result = await registerCatalog(
      { glue: glue(), s3: s3(), bucket: config.OUTPUT_BUCKET_NAME, database: config.GLUE_DATABASE_NAME },
      { manifestKey: input.manifestKey },
    );
    if (result.schemaChange) {
      logger.warn('feed schema changed', { table: result.table, schemaChange: result.schemaChange });
    }
    if (result.supersededReason) {
      logger.warn('feed schema change started a new table', {
        table: result.table,
        reason: result.supersededReason,
      });
    }
    logger.info('catalog registered', {
      table: result.table,
      partition: result.partition,
      tableCreated: result.tableCreated,
      partitionCreated: result.partitionCreated,
      skippedReason: result.skippedReason,
    });
    return result;
  },
});
