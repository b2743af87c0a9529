/**
 * RegisterCatalog task: makes a landed generation queryable in Athena (Glue table per feed,
 * partition per scenario and day, schema evolution) from its landing manifest. The work is in
 * `src/catalog/register.ts`; this file validates input and config and maps errors.
 */
import { z } from 'zod';
import {
  CatalogRegistrationError,
  ManifestNotFoundError,
  registerCatalog,
  type RegisterCatalogResult,
} from '../src/catalog/register.ts';
import { LandingStorageError } from '../src/landing/errors.ts';
import { ManifestFormatError } from '../src/landing/manifest.ts';
import { glue, s3 } from './commons/aws-clients.ts';
import { readConfig, requiredString } from './commons/config.ts';
import {
  fromAwsCause,
  failure,
  InputValidationError,
  toStateError,
  type FailureIds,
  type StateError,
} from './commons/errors.ts';
import { logger, logStateError, withObservability } from './commons/observability.ts';

const configShape = {
  OUTPUT_BUCKET_NAME: requiredString(),
  GLUE_DATABASE_NAME: requiredString(),
};

let config: z.infer<z.ZodObject<typeof configShape>> | undefined;

/** Input: the landing manifest's key; everything else is read from the manifest (extra fields ignored). */
export const registerCatalogEventSchema = z.object({
  manifestKey: z
    .string()
    .regex(/^_manifests\/feed=[^/]+\/scenario=[^/]+\/dt=\d{4}-\d{2}-\d{2}\/[A-Za-z0-9_-]+\.json$/, {
      message:
        'must be a landing manifest key (_manifests/feed=<feed>/scenario=<name>/dt=<YYYY-MM-DD>/<id>.json)',
    }),
  generationId: z.string().optional(),
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

async function registerCatalogHandler(event: unknown): Promise<RegisterCatalogResult> {
  const raw = event as { generationId?: unknown } | null;
  const ids: FailureIds = { generation_id: typeof raw?.generationId === 'string' ? raw.generationId : null };
  try {
    config ??= readConfig(configShape);
    const input = registerCatalogEventSchema.parse(event);
    const result = await registerCatalog(
      { glue: glue(), s3: s3(), bucket: config.OUTPUT_BUCKET_NAME, database: config.GLUE_DATABASE_NAME },
      { manifestKey: input.manifestKey },
    );
    if (result.schemaChange) {
      logger.warn('feed schema changed', { table: result.table, schemaChange: result.schemaChange });
    }
    logger.info('catalog registered', {
      table: result.table,
      partition: result.partition,
      tableCreated: result.tableCreated,
      partitionCreated: result.partitionCreated,
      skippedReason: result.skippedReason,
    });
    return result;
  } catch (err) {
    throw logStateError('catalog registration failed', toCatalogStateError(err, ids));
  }
}

/** Lambda entry point. */
export const handler = withObservability(registerCatalogHandler);
