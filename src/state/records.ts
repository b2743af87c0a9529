/**
 * Items of the pipeline's single DynamoDB table (`pk`/`sk`). What support needs to answer
 * "what happened to my seed / my run": ids, timings, vendor codes and request ids, never rows,
 * tokens or URLs.
 *
 * | item | pk | sk |
 * |---|---|---|
 * | feed | `FEED#<feed>` | `FEED` |
 * | seed upload | `FEED#<feed>` | `SEED#<sha256(identity)>` |
 * | run index | `FEED#<feed>` (a seed under an invalid feed name: `FEED#<folder>`; `FEED#-` when there is no folder) | `RUN#<startedAt>#<runId>` |
 * | run | `RUN#<runId>` | `RUN` |
 * | scenario outcome | `RUN#<runId>` | `SCENARIO#<name>` |
 * | token cache (client) | `TOKEN#<client_id>#<audience>` | `TOKEN` |
 * | job history (src/state/job-history.ts) | `FEED#<feed>` | `JOBS#training` / `JOBS#generation` |
 * | job prior, each feed's latest job (src/state/job-history.ts) | `DEPLOYMENT` | `JOBS#training` / `JOBS#generation` |
 */
import type { SeedObject } from '../contracts/seed-object.ts';
import type { QualityHeadline } from '../landing/content-check.ts';

export type RunKind = 'ingest' | 'generate';

/**
 * QUEUED (accepted, execution starting) → RUNNING → SUCCEEDED (every scenario landed) | PARTIAL
 * (some landed, some not) | FAILED (none landed); REJECTED never starts; SKIPPED is a scheduled
 * generation with nothing to generate from yet (`skip` says why). See docs/run-outcomes.md.
 */
export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'REJECTED' | 'SKIPPED';

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  'SUCCEEDED',
  'PARTIAL',
  'FAILED',
  'REJECTED',
  'SKIPPED',
];

/** The statuses a finished run records (REJECTED seeds never start one). */
export type FinishedRunStatus = 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'SKIPPED';

/** Why a run was skipped: a code to match on and a sentence saying what to do. */
export interface RunSkip {
  readonly code: string;
  readonly reason: string;
}

/**
 * What became of one scenario of a run: `landed` (all rows), `partial` (landed with fewer rows
 * than requested, as the vendor allows), `failed` (nothing usable landed; `failure` says why, with
 * the vendor's problem code when there was one) or `skipped` (not attempted; `reason` says why).
 */
export type ScenarioOutcomeKind = 'landed' | 'partial' | 'failed' | 'skipped';

export type ScenarioCounts = Readonly<Record<ScenarioOutcomeKind, number>>;

/** The outcomes that leave queryable data in the lake. */
export const LANDED_OUTCOMES: readonly ScenarioOutcomeKind[] = ['landed', 'partial'];

/** One scenario's outcome in a run (its own item next to the run record). */
export interface ScenarioOutcome {
  readonly runId: string;
  readonly scenario: string;
  readonly outcome: ScenarioOutcomeKind;
  /** The execution that recorded it (a replay in the same execution keeps the first record). */
  readonly executionArn: string | null;
  /**
   * `$$.Execution.RedriveCount` of the attempt that recorded it: a Step Functions redrive of the
   * same execution (same ARN, higher count) may replace a failed outcome. Absent on older items (0).
   */
  readonly redriveCount?: number;
  readonly generationId: string | null;
  readonly jobId: string | null;
  /** Set whenever an object landed, even when a later step (the catalog) failed. */
  readonly outputKey: string | null;
  readonly manifestKey: string | null;
  readonly format: string | null;
  readonly rowsRequested: number | null;
  readonly rowsGenerated: number | null;
  readonly bytes: number | null;
  /**
   * The quality report's headline figures of a landed generation (null: no report, e.g. the
   * report is off, or records written before it existed). A quarantined generation is `failed`
   * with the code `quality_gate_failed`.
   */
  readonly quality?: QualityHeadline | null;
  /** For `failed`: what went wrong (the vendor's problem code in `code`). */
  readonly failure: RunFailure | null;
  /** For `skipped`: why the scenario was not attempted. */
  readonly reason: string | null;
  readonly recordedAt: string;
  /** Set once the scenario's Scenario Landed or Scenario Failed event went out. */
  readonly eventPublishedAt: string | null;
  /**
   * For an object an earlier run landed and announced (same seed bytes, same request: the vendor
   * replayed the generation, the landing found its manifest): that run's id. No second Scenario
   * Landed event goes out for it.
   */
  readonly announcedBy?: string | null;
}

/** The feed: its latest received seed, and the dataset trained from its latest usable seed. */
export interface FeedRecord {
  readonly feed: string;
  /** Last seed dropped (accepted by start-ingest), even if it has not trained (yet). */
  readonly lastReceivedSeed?: SeedObject;
  /** Last seed whose dataset trained: what a scheduled generation re-uploads when needed. */
  readonly latestSeed?: SeedObject;
  readonly datasetId?: string;
  readonly datasetCreatedAt?: string | null;
  readonly datasetExpiresAt?: string | null;
  /** sha256 of the cleaned schema (names, types, levels), to spot schema drift between seeds. */
  readonly schemaFingerprint?: string;
  readonly lastRunId?: string;
  readonly updatedAt: string;
}

/** One upload of a seed version to the vendor. */
export interface SeedUploadRecord {
  readonly feed: string;
  readonly seed: SeedObject;
  readonly datasetId: string;
  readonly jobId: string | null;
  readonly requestId: string;
  readonly idempotencyKey: string;
  /** Dataset this upload replaced (re-training after expiry), if any. */
  readonly replacesDatasetId: string | null;
  readonly runId: string;
  readonly uploadedAt: string;
}

/** Everything support needs about a failure. */
export interface RunFailure {
  /** Step Functions error name (the Lambda error class, or `States.*`). */
  readonly error: string;
  readonly code: string | null;
  readonly detail: string | null;
  readonly message: string | null;
  readonly status: number | null;
  readonly request_id: string | null;
  readonly x_request_id: string | null;
  readonly operation: string | null;
  readonly job_id: string | null;
  readonly dataset_id: string | null;
  readonly generation_id: string | null;
}

/** A scenario refused before any vendor call, with the fix in `message`. */
export interface ScenarioRejection {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/** One landed scenario of a successful run. */
export interface RunOutput {
  readonly scenario: string;
  readonly generationId: string;
  readonly jobId: string | null;
  readonly outputKey: string;
  readonly manifestKey: string;
  readonly format: string;
  readonly rowsGenerated: number;
  readonly partial: boolean;
  readonly bytes: number | null;
}

export interface RunRecord {
  readonly runId: string;
  readonly kind: RunKind;
  readonly feed: string | null;
  readonly status: RunStatus;
  readonly seed?: SeedObject | null;
  readonly executionArn?: string | null;
  /** `$$.Execution.RedriveCount` of the attempt that finished the run (a redrive may finish it again). */
  readonly redriveCount?: number | null;
  readonly datasetId?: string | null;
  /** The landed scenarios (outcome `landed` or `partial`), as consumers of Scenario Landed events see them. */
  readonly outputs?: readonly RunOutput[];
  /** Every scenario's outcome, in the order they were recorded (read with the run). */
  readonly scenarios?: readonly ScenarioOutcome[];
  /** How many scenarios ended how, set when the run finishes. */
  readonly scenarioCounts?: ScenarioCounts | null;
  /** The run-level failure, or for a FAILED run without one the first failed scenario's. */
  readonly failure?: RunFailure | null;
  /** For SKIPPED: why nothing ran. */
  readonly skip?: RunSkip | null;
  /** sha256 of the seed's bytes (content-addressed seeds). */
  readonly seedSha256?: string | null;
  /** The earlier run whose live dataset this run reused because its seed had the same bytes. */
  readonly duplicateOf?: string | null;
  /** The run whose generation idempotency keys this run reuses (same bytes, same day; re-drive). */
  readonly keyRunId?: string | null;
  /** For a re-drive: the run it completes, the scenarios that run landed (skipped here), and the
   * scenarios whose failed vendor job needs a fresh idempotency key. */
  readonly redriveOf?: string | null;
  readonly redriveSkip?: readonly string[];
  readonly freshKeyScenarios?: readonly string[];
  /** Scenarios refused before any vendor call (conditions that do not fit the schema). */
  readonly rejectedScenarios?: readonly ScenarioRejection[];
  /** For REJECTED seeds: the rejection code and reason. */
  readonly rejection?: { readonly code: string; readonly reason: string } | null;
  /** A seed rejected for its feed name: the `seeds/<folder>/` segment it was dropped under. */
  readonly folder?: string | null;
  readonly startedAt: string;
  readonly finishedAt?: string | null;
  readonly durationMs?: number | null;
  /** Set once the run's EventBridge events were sent, so a retried record does not resend. */
  readonly eventsPublishedAt?: string | null;
  /** Ids of the run's events EventBridge accepted (a DynamoDB string set). */
  readonly eventsSent?: ReadonlySet<string>;
  readonly updatedAt: string;
}

/** The per-feed index entry of a run (what `listFeedRuns` returns). */
export interface RunIndexEntry {
  readonly runId: string;
  readonly kind: RunKind;
  readonly feed: string | null;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly rejection: { readonly code: string; readonly reason: string } | null;
  readonly failureCode: string | null;
  /** How many scenarios ended how (absent on runs recorded before per-scenario outcomes). */
  readonly scenarioCounts?: ScenarioCounts | null;
}

export const feedPk = (feed: string | null): string => `FEED#${feed ?? '-'}`;
export const FEED_SK = 'FEED';
export const runPk = (runId: string): string => `RUN#${runId}`;
export const RUN_SK = 'RUN';
export const scenarioSk = (scenario: string): string => `SCENARIO#${scenario}`;
export const SCENARIO_SK_PREFIX = 'SCENARIO#';
export const runIndexSk = (startedAt: string, runId: string): string => `RUN#${startedAt}#${runId}`;
export const seedSk = (identityHash: string): string => `SEED#${identityHash}`;
