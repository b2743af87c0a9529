/**
 * The pipeline's EventBridge events: their source, detail types, schema version and detail
 * shapes. Every outcome a consumer or operator cares about is one event on the pipeline's bus:
 *
 * | detail type | when | one per |
 * |---|---|---|
 * | `Seed Accepted` | a dropped seed starts an ingest run | seed version |
 * | `Seed Rejected` | a dropped object is refused (code and reason) | object version |
 * | `Scenario Landed` | a scenario's data and manifest are in the output bucket | generation |
 * | `Scenario Failed` | a scenario did not land (vendor problem code, or skipped) | scenario per run attempt |
 * | `Run Finished` | a run ends SUCCEEDED, PARTIAL, FAILED or SKIPPED | run attempt |
 *
 * Delivery is at least once: each detail carries `eventId`, stable across re-sends of the same
 * outcome, for consumers to de-duplicate on. The JSON Schemas are in `./schemas.ts`.
 */
import type { SeedObject } from '../contracts/seed-object.ts';
import type { RunFailure, RunKind, RunOutput, RunSkip } from '../state/records.ts';

/** `source` of every pipeline event. */
export const EVENT_SOURCE = 'simulacra.pipeline';

export const DetailType = {
  seedAccepted: 'Seed Accepted',
  seedRejected: 'Seed Rejected',
  scenarioLanded: 'Scenario Landed',
  scenarioFailed: 'Scenario Failed',
  runFinished: 'Run Finished',
} as const;
export type DetailTypeName = (typeof DetailType)[keyof typeof DetailType];

/**
 * The major version of each detail type's schema (`detail.schemaVersion`). Fields may be added
 * within a version; a change consumers must handle (a field removed or changed, a new value of
 * an enumerated field) bumps that detail type's version. History:
 * - `Run Finished` v2: `status` may be `SKIPPED` (a scheduled generation for a feed without a
 *   dataset yet), with `skip: { code, reason }` (null otherwise).
 */
export const SCHEMA_VERSIONS = {
  'Seed Accepted': 1,
  'Seed Rejected': 1,
  'Scenario Landed': 1,
  'Scenario Failed': 1,
  'Run Finished': 2,
} as const satisfies Readonly<Record<DetailTypeName, number>>;

/** Every detail type, in the order of the table above. */
export const DETAIL_TYPES: readonly DetailTypeName[] = Object.values(DetailType);

/** Fields every detail starts with. */
export interface DetailBase<T extends DetailTypeName = DetailTypeName> {
  /** `SCHEMA_VERSIONS[detail type]`. */
  readonly schemaVersion: (typeof SCHEMA_VERSIONS)[T];
  /** Stable id of this outcome: equal on every re-send, different for every other outcome. */
  readonly eventId: string;
  readonly runId: string;
}

/** The seed version an event is about (never its content). */
export type SeedRef = Pick<SeedObject, 'bucket' | 'key' | 'versionId' | 'etag' | 'size'>;

export interface SeedAcceptedDetail extends DetailBase<'Seed Accepted'> {
  readonly feed: string;
  readonly seed: SeedRef;
  /** The ingest execution; null when this seed version's execution already existed. */
  readonly executionArn: string | null;
  readonly acceptedAt: string;
}

export interface SeedRejectedDetail extends DetailBase<'Seed Rejected'> {
  /** Null when the object is not under a valid `seeds/<feed>/` folder. */
  readonly feed: string | null;
  /** The `seeds/<folder>/` segment as uploaded (the run index key when the feed name is invalid). */
  readonly folder: string | null;
  readonly seed: SeedRef;
  readonly rejection: { readonly code: string; readonly reason: string };
  readonly rejectedAt: string;
}

export interface ScenarioLandedDetail extends DetailBase<'Scenario Landed'>, RunOutput {
  readonly kind: RunKind;
  readonly feed: string;
  readonly datasetId: string | null;
  readonly seed: SeedRef | null;
}

export interface ScenarioFailedDetail extends DetailBase<'Scenario Failed'> {
  readonly kind: RunKind;
  readonly feed: string;
  readonly datasetId: string | null;
  readonly scenario: string;
  /** `failed`: the vendor or a step refused it; `skipped`: it never started (run stopped first). */
  readonly outcome: 'failed' | 'skipped';
  readonly failure: RunFailure;
}

export type RunFinishedStatus = 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'SKIPPED';

export interface RunFinishedDetail extends DetailBase<'Run Finished'> {
  readonly kind: RunKind;
  readonly feed: string | null;
  readonly status: RunFinishedStatus;
  readonly executionArn: string | null;
  readonly datasetId: string | null;
  readonly seed: SeedRef | null;
  readonly scenarios: { readonly landed: number; readonly failed: number };
  /** The run-level failure (FAILED runs); null otherwise. */
  readonly failure: RunFailure | null;
  /** Why a SKIPPED run did nothing (code `feed_not_ready`); null otherwise. Since v2. */
  readonly skip: RunSkip | null;
  readonly finishedAt: string;
}

/** Detail shape by detail type. */
export interface DetailByType {
  'Seed Accepted': SeedAcceptedDetail;
  'Seed Rejected': SeedRejectedDetail;
  'Scenario Landed': ScenarioLandedDetail;
  'Scenario Failed': ScenarioFailedDetail;
  'Run Finished': RunFinishedDetail;
}

/** The seed fields events carry. */
export function seedRef(seed: SeedObject): SeedRef;
export function seedRef(seed: SeedObject | null | undefined): SeedRef | null;
export function seedRef(seed: SeedObject | null | undefined): SeedRef | null {
  return seed
    ? { bucket: seed.bucket, key: seed.key, versionId: seed.versionId, etag: seed.etag, size: seed.size }
    : null;
}
