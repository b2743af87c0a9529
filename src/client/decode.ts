/**
 * Tolerant decoders (zod 4) for every response body. They accept what the live API really sends
 * (contract notes §9): `{}`, `[]`, `""` and missing mean null for nullable fields; a one-element
 * array around an id or URL is unwrapped (a string is never indexed); unknown fields are ignored;
 * enums are open. A body that is still wrong fails with {@link SimulacraResponseValidationError}
 * naming the field path, e.g. `generations[0].rows_generated`.
 */
import * as z from '../contracts/zod.ts';
import type {
  ArtifactEncryption,
  ClaimedCredentials,
  CleaningSummary,
  CreateDatasetResult,
  CreateGenerationResult,
  CredentialRotation,
  Dataset,
  DatasetListItem,
  DatasetSchema,
  ErrorCatalogEntry,
  Generation,
  GenerationListItem,
  Job,
  SignupRequest,
  TrainingSummary,
} from './contract.ts';
import { SimulacraResponseValidationError } from './errors.ts';

/** True for the values the vendor uses to mean null: undefined, null, `{}`, `[]`, `""`. */
export function isNullish(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return (
    typeof value === 'object' &&
    Object.keys(value).length === 0 &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

/** `[x]` → `x` (the pre-2026-05-05 wire format of ids and URLs); anything else is returned as is. */
export function unwrapSingleton(value: unknown): unknown {
  return Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
}

const toNull = (value: unknown): unknown => (isNullish(value) ? null : value);

/** A nullable field: nullish spellings become null before `schema` runs. */
function nullable<T extends z.ZodMiniType>(schema: T) {
  return z.preprocess(toNull, z.nullable(schema));
}

/** A required id or URL: one-element arrays unwrapped, non-empty string. */
const id = z.preprocess(unwrapSingleton, z.string().check(z.minLength(1)));
/** An optional id or URL: one-element arrays unwrapped, nullish spellings → null. */
const optionalId = z.preprocess(
  (value) => toNull(unwrapSingleton(value)),
  z.nullable(z.string().check(z.minLength(1))),
);
const text = z.string();
const optionalText = nullable(z.string());
const count = z.number().check(z.int(), z.nonnegative());
const optionalCount = nullable(z.number().check(z.int()));
const optionalNumber = nullable(z.number());
const optionalBoolean = nullable(z.boolean());
const timestamp = z.string().check(z.minLength(1));
const optionalTimestamp = nullable(z.string().check(z.minLength(1)));

const cleaningSummary: z.ZodMiniType<CleaningSummary | null> = nullable(
  z.object({
    input_rows: optionalCount,
    input_columns: optionalCount,
    clean_rows: optionalCount,
    clean_columns: optionalCount,
    dropped_columns: z.preprocess(
      (value) => (isNullish(value) ? [] : value),
      z.array(z.object({ name: text, reason: z.preprocess((v) => (isNullish(v) ? 'other' : v), text) })),
    ),
  }),
);

const trainingSummary: z.ZodMiniType<TrainingSummary | null> = nullable(
  z.object({ trained_at: optionalTimestamp, duration_ms: optionalCount }),
);

type Body<T> = Omit<T, 'meta'>;

export const createDatasetResult: z.ZodMiniType<Body<CreateDatasetResult>> = z.object({
  dataset_id: id,
  status: text,
  request_id: text,
  job_id: optionalId,
  expires_at: optionalTimestamp,
  cleaning_summary: cleaningSummary,
  training_summary: trainingSummary,
});

export const dataset: z.ZodMiniType<Body<Dataset>> = z.object({
  dataset_id: id,
  status: text,
  request_id: text,
  created_at: timestamp,
  expires_at: timestamp,
  display_name: optionalText,
  cleaning_summary: cleaningSummary,
  training_summary: trainingSummary,
});

const datasetListItem: z.ZodMiniType<DatasetListItem> = z.object({
  dataset_id: id,
  status: text,
  created_at: timestamp,
  expires_at: timestamp,
  display_name: optionalText,
});

const listOf = <T>(key: string, item: z.ZodMiniType<T>) =>
  z.object({
    [key]: z.preprocess((value) => (isNullish(value) ? [] : value), z.array(item)),
    next_cursor: optionalId,
    limit: z.number().check(z.int(), z.positive()),
    request_id: text,
  }) as unknown as z.ZodMiniType<
    { next_cursor: string | null; limit: number; request_id: string } & Record<string, T[]>
  >;

export const datasetList = listOf('datasets', datasetListItem);

export const datasetSchema: z.ZodMiniType<Body<DatasetSchema>> = z.object({
  dataset_id: id,
  request_id: text,
  schema: z.array(
    z.object({
      name: z.string().check(z.minLength(1)),
      type: text,
      levels: nullable(z.array(z.preprocess(unwrapSingleton, text))),
      min: optionalNumber,
      max: optionalNumber,
      conditioning_excluded: optionalBoolean,
    }),
  ),
});

export const createGenerationResult: z.ZodMiniType<Body<CreateGenerationResult>> = z.object({
  generation_id: id,
  dataset_id: id,
  status: text,
  request_id: text,
  job_id: optionalId,
  output_format: optionalText,
  rows_requested: optionalCount,
  rows_generated: optionalCount,
  expires_at: optionalTimestamp,
});

const artifactEncryption: z.ZodMiniType<ArtifactEncryption | null> = nullable(
  z.object({
    scheme: text,
    wrapped_dek: optionalText,
    iv: optionalText,
    encryption_context: nullable(z.record(z.string(), z.string())),
  }),
);

const generationFields = {
  generation_id: id,
  dataset_id: id,
  status: text,
  output_format: text,
  rows_requested: count,
  rows_generated: count,
  created_at: timestamp,
  expires_at: timestamp,
};

export const generation: z.ZodMiniType<Body<Generation>> = z.object({
  ...generationFields,
  request_id: text,
  artifact_url: optionalId,
  artifact_encryption: artifactEncryption,
});

const generationListItem: z.ZodMiniType<GenerationListItem> = z.object(generationFields);

export const generationList = listOf('generations', generationListItem);

export const job: z.ZodMiniType<Body<Job>> = z.object({
  job_id: id,
  request_id: text,
  created_at: timestamp,
  job_type: text,
  status: text,
  stage: optionalText,
  started_at: optionalTimestamp,
  completed_at: optionalTimestamp,
  dataset_id: optionalId,
  generation_id: optionalId,
  // `error: {}` (even on a completed job) means no error.
  error: nullable(z.object({ code: optionalText, message: optionalText })),
});

export const signupRequest: z.ZodMiniType<Body<SignupRequest>> = z.object({
  request_id: id,
  status: text,
  client_id: optionalId,
  credential_claim_token: optionalId,
});

export const claimedCredentials: z.ZodMiniType<Body<ClaimedCredentials>> = z.object({
  client_id: id,
  client_secret: z.string().check(z.minLength(1)),
  token_url: optionalText,
  audience: optionalText,
  grant_type: optionalText,
  purpose: optionalText,
});

export const credentialRotation: z.ZodMiniType<Omit<CredentialRotation, 'meta' | 'replayed'>> = z.object({
  rotation_request_id: id,
  client_id: optionalId,
  status: optionalText,
  credential_claim_token: optionalId,
});

export const health = z.object({ status: text });

export const errorCatalogEntry: z.ZodMiniType<ErrorCatalogEntry> = z.object({
  code: text,
  title: text,
  status: z.number().check(z.int()),
  retryable: z.boolean(),
  cause: text,
  fix: text,
});

/** Renders a zod issue path as `a.b[0].c` (`$` for the body itself). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out.length === 0 ? '$' : out;
}

/** Decodes `body` with `schema`, or throws a {@link SimulacraResponseValidationError} naming the field. */
export function decode<T>(operation: string, schema: z.ZodMiniType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue ? formatPath(issue.path) : '$';
  const message = issue ? issue.message : 'does not match the contract';
  throw new SimulacraResponseValidationError(operation, field, message, { cause: result.error });
}

/** Parses a JSON body; anything else is a validation error of the whole body. */
export function parseJson(operation: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SimulacraResponseValidationError(operation, '$', 'body is not valid JSON');
  }
}
