/**
 * After training: read the feed's scenario file (or the default scenario), keep the scenarios
 * the run asked for (all by default), fetch the cleaned schema and resolve every kept
 * scenario's conditions against it. A scenario whose conditions do not fit the schema (unknown
 * column or level, excluded column, type mismatch) is rejected on its own, before any vendor
 * call for it, with the fix named; the others go on. Only when no scenario is left does the run
 * fail here. Also records the dataset as the feed's current one (with its schema fingerprint).
 * Its two vendor reads (the dataset and its schema) go in one pacing turn: behind the shared
 * pacing's queue the step reserves a slot for each and returns `{ vendorWait }`, and the state
 * machine runs it again on them (src/pipeline/vendor-wait.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { InputValidationError, failure } from '../contracts/state-errors.ts';
import type { Conditions, Dataset, DatasetSchema, SchemaColumn, SimulacraApi } from '../client/contract.ts';
import {
  ConditionResolutionError,
  resolveConditions,
  type ColumnMapping,
  type NumericClamp,
} from '../conditions/resolver.ts';
import type { Scenario } from '../conditions/scenario-file.ts';
import type { ContentLedger } from '../state/content-ledger.ts';
import type { StateRepository } from '../state/repository.ts';
import { loadFeedScenarios } from './scenario-source.ts';
import { checkResolvedScenariosFit } from './state-budget.ts';
import { utcDay } from './seed-content.ts';
import { sha256Hex, type SeedObject } from './seed-object.ts';
import {
  inPacingTurn,
  nextVendorWait,
  type CarriedVendorWait,
  type VendorWaitOutcome,
} from './vendor-wait.ts';

/** The vendor requests one run of the step sends: the dataset and its cleaned schema. */
const VENDOR_REQUESTS = 2;

/** The code of a scenario rejected because its conditions do not fit the cleaned schema. */
export const SCENARIO_CONDITIONS_INVALID = 'scenario_conditions_invalid';

/** A scenario that will not be generated, and why (what to change). */
export interface RejectedScenario {
  readonly name: string;
  readonly code: typeof SCENARIO_CONDITIONS_INVALID;
  readonly message: string;
}

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
  /**
   * The run whose generation idempotency keys this scenario uses, when not this run's own: an
   * identical seed the same day (content-addressed seeds) or a re-drive of an earlier run.
   */
  readonly keyRunId?: string | null;
}

export interface ResolveScenariosInput {
  readonly runId: string;
  readonly feed: string;
  readonly datasetId: string;
  readonly seed: SeedObject;
  /** Names of the scenarios to run; empty or absent: every scenario of the feed. */
  readonly scenarios?: readonly string[] | null;
  /** The step's last wait, carried back by the state machine (null before any): see inPacingTurn. */
  readonly vendorWait?: CarriedVendorWait;
  /** `$$.State.RetryCount` of this attempt (see StepAttempt). */
  readonly retryCount?: number;
}

export interface ResolvedScenarios {
  readonly scenarios: readonly ResolvedScenario[];
  /** Scenarios refused before any vendor call (recorded in the run; not part of the Map). */
  readonly rejected: readonly RejectedScenario[];
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
  /** Content-addressed seeds: records which dataset the run's seed bytes trained. */
  readonly contents?: ContentLedger;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** When the step's handler was entered (epoch ms); default: when resolveScenarios is called. */
  readonly startedAt?: number;
}

/** sha256 over the cleaned schema's names, types and levels (order-sensitive, as the vendor's). */
export function schemaFingerprint(schema: readonly SchemaColumn[]): string {
  return sha256Hex(JSON.stringify(schema.map((c) => [c.name, c.type, c.levels ?? null])));
}

/**
 * Resolves the run's scenarios of the feed, or says how long to wait for the vendor reads' turn;
 * throws InputValidationError listing all problems.
 */
export async function resolveScenarios(
  input: ResolveScenariosInput,
  deps: ResolveScenariosDeps,
): Promise<ResolvedScenarios | VendorWaitOutcome> {
  const startedAt = deps.startedAt ?? Date.now();
  const { scenarios, source } = await loadFeedScenarios(deps.s3, {
    bucket: input.seed.bucket,
    feed: input.feed,
    requested: input.scenarios,
    datasetId: input.datasetId,
  });

  let dataset: Dataset;
  let schema: DatasetSchema;
  try {
    [dataset, schema] = await inPacingTurn(
      input.vendorWait,
      () => Promise.all([deps.api.getDataset(input.datasetId), deps.api.getDatasetSchema(input.datasetId)]),
      { startedAt, retryCount: input.retryCount, requests: VENDOR_REQUESTS },
    );
  } catch (err) {
    // An execution started on a definition without the wait loop carries no wait: it throws,
    // and that definition's Retry takes it (a deployment does not change running executions).
    const vendorWait =
      input.vendorWait === undefined ? null : nextVendorWait(err, input.vendorWait, deps.random);
    if (vendorWait) return { vendorWait };
    throw err;
  }
  const droppedColumns = dataset.cleaning_summary?.dropped_columns ?? null;
  const run = await deps.repo.getRunHeader(input.runId);
  // Landed by the run this one re-drives, or by this very run (a Step Functions redrive of its
  // execution): never generated or landed again. One GetItem per scenario (no Query grant needed).
  const outcomes = run
    ? await Promise.all(scenarios.map((s) => deps.repo.scenarioOutcomes.get(input.runId, s.name)))
    : [];
  const landedHere = outcomes
    .filter((o) => o?.outcome === 'landed' || o?.outcome === 'partial')
    .map((o) => o!.scenario);
  const skip = new Set([...(run?.redriveSkip ?? []), ...landedHere]);
  const fresh = new Set(run?.freshKeyScenarios ?? []);
  const rejected: RejectedScenario[] = [];
  const resolved: ResolvedScenario[] = [];
  for (const scenario of scenarios.filter((s) => !skip.has(s.name))) {
    const keyRunId = fresh.has(scenario.name) ? null : (run?.keyRunId ?? null);
    try {
      const r = resolveConditions(scenario, schema.schema, { droppedColumns });
      resolved.push({
        scenario,
        conditions: r.conditioned ? r.conditions : null,
        requestedConditions: scenario.conditions ?? null,
        mappings: r.mappings,
        clamps: r.clamps,
        warnings: r.warnings,
        ...(keyRunId ? { keyRunId } : {}),
      });
    } catch (err) {
      if (!(err instanceof ConditionResolutionError)) throw err;
      rejected.push({ name: scenario.name, code: SCENARIO_CONDITIONS_INVALID, message: err.message });
    }
  }
  if (resolved.length === 0 && (rejected.length > 0 || skip.size === 0)) {
    throw new InputValidationError(
      failure(SCENARIO_CONDITIONS_INVALID, rejected.map((r) => r.message).join('\n'), {
        dataset_id: input.datasetId,
      }),
    );
  }
  checkResolvedScenariosFit(input.feed, input.datasetId, resolved, {
    scenarios: resolved,
    rejected,
    source,
    schemaFingerprint: '0'.repeat(64),
    feedUpdated: false,
  });
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
  if (rejected.length > 0) await deps.repo.recordRejectedScenarios(input.runId, rejected);
  if (deps.contents && run?.seedSha256) {
    await deps.contents.record({
      feed: input.feed,
      sha256: run.seedSha256,
      datasetId: input.datasetId,
      runId: run.duplicateOf ?? run.redriveOf ?? input.runId,
      keyRunId: run.keyRunId ?? input.runId,
      keyDay: utcDay(deps.now?.() ?? new Date()),
      expiresAt: dataset.expires_at ?? null,
    });
  }
  return {
    scenarios: resolved,
    rejected,
    source,
    schemaFingerprint: fingerprint,
    feedUpdated,
  };
}
