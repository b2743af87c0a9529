/**
 * Creates one scenario's generation, idempotently: the key is derived from the dataset, the
 * canonical scenario and the run, so Step Functions retries never create (or bill) twice, while
 * the next scheduled run generates afresh.
 */
import { VendorTerminalError, failure, toStateError } from '../contracts/state-errors.ts';
import type { CreateGenerationResult, SimulacraApi } from '../client/contract.ts';
import { canonicalScenarioJson } from '../conditions/scenario-file.ts';
import { feedJobEstimate, type JobHistoryReader } from './job-estimate.ts';
import { GENERATION_POLL_POLICY, initialPollState, type PollState } from './polling.ts';
import type { ResolvedScenario } from './resolve-scenarios.ts';
import { sha256Hex } from './seed-object.ts';
import {
  inPacingTurn,
  nextVendorWait,
  type CarriedVendorWait,
  type VendorWaitOutcome,
} from './vendor-wait.ts';

export interface CreateGenerationInput {
  readonly runId: string;
  readonly feed: string;
  readonly datasetId: string;
  readonly resolved: ResolvedScenario;
  /** The step's last wait, carried back by the state machine (null before any): see inPacingTurn. */
  readonly vendorWait?: CarriedVendorWait;
  /** `$$.State.RetryCount` of this attempt (see StepAttempt). */
  readonly retryCount?: number;
}

export interface CreatedGeneration {
  readonly generationId: string;
  readonly jobId: string | null;
  readonly requestId: string;
  readonly idempotencyKey: string;
  /** `ready`, `partial` (synchronous answers) or `processing`. */
  readonly status: string;
  readonly rowsRequested: number;
  readonly rowsGenerated: number | null;
  readonly poll: PollState;
}

export interface CreateGenerationDeps {
  readonly api: SimulacraApi;
  /** The feed's past generations (or, for its first, other feeds'), to place the first poll. */
  readonly history?: JobHistoryReader;
  readonly now?: () => Date;
  readonly random?: () => number;
  /** When the step's handler was entered (epoch ms); default: when createGeneration is called. */
  readonly startedAt?: number;
}

/**
 * `gen-` + sha256(datasetId + canonical scenario JSON + runId), 64 hex characters kept. `runId`
 * is the run whose keys are reused when the same request is sent again (`resolved.keyRunId`).
 */
export function generationIdempotencyKey(
  datasetId: string,
  resolved: ResolvedScenario,
  runId: string,
): string {
  return `gen-${sha256Hex(`${datasetId}\n${canonicalScenarioJson(resolved.scenario)}\n${runId}`).slice(0, 64)}`;
}

/**
 * Sends the generation request; the answer says whether to poll its job, or how long to wait
 * before sending it again when the vendor is throttling or the shared pacing is full.
 */
export async function createGeneration(
  input: CreateGenerationInput,
  deps: CreateGenerationDeps,
): Promise<CreatedGeneration | VendorWaitOutcome> {
  const startedAt = deps.startedAt ?? Date.now();
  const { scenario, conditions } = input.resolved;
  const idempotencyKey = generationIdempotencyKey(
    input.datasetId,
    input.resolved,
    input.resolved.keyRunId ?? input.runId,
  );
  let created: CreateGenerationResult;
  try {
    created = await inPacingTurn(
      input.vendorWait,
      () =>
        deps.api.createGeneration({
          datasetId: input.datasetId,
          idempotencyKey,
          row_count: scenario.row_count,
          output_format: scenario.output_format,
          ...(scenario.seed !== undefined ? { seed: scenario.seed } : {}),
          ...(conditions ? { conditions } : {}),
        }),
      { startedAt, retryCount: input.retryCount },
    );
  } catch (err) {
    const vendorWait = nextVendorWait(err, input.vendorWait, deps.random);
    if (vendorWait) return { vendorWait };
    throw toStateError(err, { dataset_id: input.datasetId });
  }
  const completed = created.status === 'ready' || created.status === 'partial';
  if (!completed && !created.job_id) {
    throw new VendorTerminalError({
      ...failure(
        'vendor_response_invalid',
        `createGeneration answered "${created.status}" without a job_id.`,
        {
          dataset_id: input.datasetId,
          generation_id: created.generation_id,
        },
      ),
      request_id: created.request_id,
      operation: 'createGeneration',
    });
  }
  // Read only once the request is accepted (a step waiting its turn re-runs: it would read it
  // again each time) and only when there is a job to poll.
  const estimate = completed
    ? null
    : await feedJobEstimate(deps.history, input.feed, 'generation', scenario.row_count, deps.now?.());
  return {
    generationId: created.generation_id,
    jobId: created.job_id,
    requestId: created.request_id,
    idempotencyKey,
    status: created.status,
    rowsRequested: created.rows_requested ?? scenario.row_count,
    rowsGenerated: created.rows_generated,
    poll: initialPollState(GENERATION_POLL_POLICY, {
      jobId: created.job_id,
      completed,
      estimate,
      size: scenario.row_count,
      ...(deps.now ? { now: deps.now() } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    }),
  };
}
