/**
 * After training: read the feed's scenario file (or the default scenario), keep the scenarios
 * the run asked for (all by default), fetch the cleaned schema and resolve every kept
 * scenario's conditions against it. Any problem in any scenario fails
 * the run here, before a single generation is created. Also records the dataset as the feed's
 * current one (with its schema fingerprint).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InputValidationError, failure } from '../../lambdas/commons/errors.ts';
import type { Conditions, SchemaColumn, SimulacraApi } from '../client/contract.ts';
import {
  ConditionResolutionError,
  resolveConditions,
  type ColumnMapping,
  type NumericClamp,
} from '../conditions/resolver.ts';
import {
  ScenarioFileError,
  defaultScenarios,
  parseScenarioFile,
  type Scenario,
} from '../conditions/scenario-file.ts';
import type { StateRepository } from '../state/repository.ts';
import { SCENARIO_FILE_NAME, sha256Hex, type SeedObject } from './seed-object.ts';

/** Keeps the Map input well under the 256 KB Step Functions payload limit. */
export const MAX_RESOLVED_SCENARIOS_BYTES = 160 * 1024;

/** One Map item: the scenario as written plus what the vendor request needs. */
export interface ResolvedScenario {
  readonly scenario: Scenario;
  /** The request's `conditions` (cleaned column names); null when unconditioned. */
  readonly conditions: Conditions | null;
  /** The conditions as the customer wrote them, null when none. */
  readonly requestedConditions: Conditions | null;
  readonly mappings: readonly ColumnMapping[];
  readonly clamps: readonly NumericClamp[];
  readonly warnings: readonly string[];
}

export interface ResolveScenariosInput {
  readonly runId: string;
  readonly feed: string;
  readonly datasetId: string;
  readonly seed: SeedObject;
  /** Names of the scenarios to run; empty or absent: every scenario of the feed. */
  readonly scenarios?: readonly string[] | null;
}

export interface ResolvedScenarios {
  readonly scenarios: readonly ResolvedScenario[];
  /** `s3://bucket/key#versionId` of the scenario file, or `default`. */
  readonly source: string;
  readonly schemaFingerprint: string;
  /** False when a newer seed's dataset is already the feed's current one. */
  readonly feedUpdated: boolean;
}

export interface ResolveScenariosDeps {
  readonly api: SimulacraApi;
  readonly s3: S3Client;
  readonly repo: StateRepository;
}

/** sha256 over the cleaned schema's names, types and levels (order-sensitive, as the vendor's). */
export function schemaFingerprint(schema: readonly SchemaColumn[]): string {
  return sha256Hex(JSON.stringify(schema.map((c) => [c.name, c.type, c.levels ?? null])));
}

async function readScenarioFile(
  s3: S3Client,
  bucket: string,
  feed: string,
): Promise<{ text: string; source: string } | null> {
  const key = `seeds/${feed}/${SCENARIO_FILE_NAME}`;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return { text, source: `s3://${bucket}/${key}${out.VersionId ? `#${out.VersionId}` : ''}` };
  } catch (err) {
    if (err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound')) return null;
    throw err;
  }
}

/**
 * The feed's scenarios named in `requested` (in the feed's order), or all of them when nothing
 * is requested. An unknown name throws InputValidationError `unknown_scenario`, naming it and
 * listing the feed's scenario names.
 */
export function selectScenarios(
  feed: string,
  available: readonly Scenario[],
  requested: readonly string[] | null | undefined,
): Scenario[] {
  if (!requested || requested.length === 0) return [...available];
  const names = new Set(available.map((s) => s.name));
  const unknown = [...new Set(requested)].filter((name) => !names.has(name));
  if (unknown.length > 0) {
    const quoted = (list: Iterable<string>): string => [...list].map((n) => `"${n}"`).join(', ');
    throw new InputValidationError(
      failure(
        'unknown_scenario',
        `Feed "${feed}" has no scenario ${quoted(unknown)}; its scenarios are ${quoted(names)}.`,
      ),
    );
  }
  const wanted = new Set(requested);
  return available.filter((s) => wanted.has(s.name));
}

/** Resolves the run's scenarios of the feed; throws InputValidationError listing all problems. */
export async function resolveScenarios(
  input: ResolveScenariosInput,
  deps: ResolveScenariosDeps,
): Promise<ResolvedScenarios> {
  const file = await readScenarioFile(deps.s3, input.seed.bucket, input.feed);
  let available: Scenario[];
  try {
    available = file ? parseScenarioFile(file.text, file.source) : defaultScenarios();
  } catch (err) {
    if (err instanceof ScenarioFileError) {
      throw new InputValidationError(
        failure('invalid_scenario_file', err.message, { dataset_id: input.datasetId }),
        { cause: err },
      );
    }
    throw err;
  }
  const scenarios = selectScenarios(input.feed, available, input.scenarios);

  const [dataset, schema] = await Promise.all([
    deps.api.getDataset(input.datasetId),
    deps.api.getDatasetSchema(input.datasetId),
  ]);
  const droppedColumns = dataset.cleaning_summary?.dropped_columns ?? null;
  const problems: string[] = [];
  const resolved: ResolvedScenario[] = [];
  for (const scenario of scenarios) {
    try {
      const r = resolveConditions(scenario, schema.schema, { droppedColumns });
      resolved.push({
        scenario,
        conditions: r.conditioned ? r.conditions : null,
        requestedConditions: scenario.conditions ?? null,
        mappings: r.mappings,
        clamps: r.clamps,
        warnings: r.warnings,
      });
    } catch (err) {
      if (err instanceof ConditionResolutionError) problems.push(err.message);
      else throw err;
    }
  }
  if (problems.length > 0) {
    throw new InputValidationError(
      failure('scenario_conditions_invalid', problems.join('\n'), { dataset_id: input.datasetId }),
    );
  }
  if (JSON.stringify(resolved).length > MAX_RESOLVED_SCENARIOS_BYTES) {
    throw new InputValidationError(
      failure(
        'scenario_file_too_large',
        `The resolved scenarios of feed "${input.feed}" exceed ${MAX_RESOLVED_SCENARIOS_BYTES} bytes; split them across feeds or shorten their conditions.`,
        { dataset_id: input.datasetId },
      ),
    );
  }
  const fingerprint = schemaFingerprint(schema.schema);
  const feedUpdated = await deps.repo.recordDatasetReady({
    feed: input.feed,
    seed: input.seed,
    datasetId: input.datasetId,
    createdAt: dataset.created_at,
    expiresAt: dataset.expires_at,
    schemaFingerprint: fingerprint,
    runId: input.runId,
  });
  await deps.repo.markRunRunning(input.runId, { datasetId: input.datasetId });
  return {
    scenarios: resolved,
    source: file?.source ?? 'default',
    schemaFingerprint: fingerprint,
    feedUpdated,
  };
}
