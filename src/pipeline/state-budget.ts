/**
 * Step Functions refuses any state input, output or task result over 256 KiB of UTF-8
 * (`States.DataLimitExceeded`, which `States.ALL` does not catch: the run would end without its
 * record). The largest states of both workflows are the scenario Map's input (the run's fixed
 * fields and every resolved scenario, the Map items) and its output (the same fields with the
 * items replaced by one small result per scenario, ids and keys: statemachines/*.asl.json keep
 * both at `$.results`). This file bounds them twice: from the scenario file alone, before the
 * seed is uploaded (no vendor training is bought for a file that cannot fit), and exactly once
 * the scenarios are resolved.
 */
import { InputValidationError, failure } from '../contracts/state-errors.ts';
import type { Scenario } from '../conditions/scenario-file.ts';

/** Step Functions' quota per state input, output and task result, in UTF-8 bytes. */
export const STATE_PAYLOAD_QUOTA_BYTES = 256 * 1024;

/**
 * Kept for everything in the state besides the Map items and results: run id, feed, the seed
 * object (an S3 key may be 1,024 bytes), the dataset and its poll state, a caught error's cause
 * and the run record's reply.
 */
export const FIXED_STATE_RESERVE_BYTES = 24 * 1024;

export const SCENARIO_FILE_TOO_LARGE = 'scenario_file_too_large';

/** UTF-8 bytes of a value's JSON text, as Step Functions measures payloads. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * Most bytes one Map iteration's result can take (record-scenario.ts `ScenarioResult`): the
 * scenario's name, an outcome, a vendor generation id, a manifest key and a failure code.
 */
export function scenarioResultBound(name: string): number {
  return jsonBytes(name) + 400;
}

/**
 * Most bytes a scenario can take once resolved (resolve-scenarios.ts `ResolvedScenario`), from
 * the scenario as written: itself, its conditions twice (as written and under the cleaned names,
 * which are at most a character longer), then per conditioned column a mapping, per numeric
 * column two clamps, per categorical column a warning, and the idempotency-key run id.
 */
export function resolvedScenarioBound(scenario: Scenario): number {
  const categorical = Object.keys(scenario.conditions?.categorical ?? {});
  const numeric = Object.keys(scenario.conditions?.numeric ?? {});
  const conditions = jsonBytes(scenario.conditions ?? null);
  let bytes = jsonBytes(scenario) + 2 * conditions + 2 * (categorical.length + numeric.length) + 300;
  for (const column of [...categorical, ...numeric]) bytes += 2 * jsonBytes(column) + 80;
  for (const column of numeric) bytes += 2 * (jsonBytes(column) + 170);
  for (const column of categorical) bytes += 2 * jsonBytes(column) + 120;
  return bytes;
}

function refuse(feed: string, detail: string, fits: number, datasetId?: string): never {
  throw new InputValidationError(
    failure(
      SCENARIO_FILE_TOO_LARGE,
      `The scenarios of feed "${feed}" do not fit Step Functions' ${STATE_PAYLOAD_QUOTA_BYTES}-byte state limit: ${detail}. ` +
        `About ${fits} scenarios like these fit in one run: split them across feeds or condition each on fewer columns` +
        (datasetId ? '.' : ' (no vendor training was started for this seed).'),
      datasetId ? { dataset_id: datasetId } : {},
    ),
  );
}

/** The larger of the Map's input (items) and output (results), with the fixed fields. */
function stateBytes(items: number, results: number): number {
  return FIXED_STATE_RESERVE_BYTES + Math.max(items, results);
}

/** How many scenarios of the average size fit. */
function fitting(count: number, items: number, results: number): number {
  const budget = STATE_PAYLOAD_QUOTA_BYTES - FIXED_STATE_RESERVE_BYTES;
  return Math.max(0, Math.floor((budget * count) / Math.max(items, results, 1)));
}

/**
 * Before any vendor call: refuses a scenario file whose resolved scenarios could make the run's
 * largest state exceed the quota, naming the bound and what to change.
 */
export function checkScenarioFileFits(feed: string, scenarios: readonly Scenario[]): void {
  const items = scenarios.reduce((n, s) => n + resolvedScenarioBound(s) + 1, 0);
  const results = scenarios.reduce((n, s) => n + scenarioResultBound(s.name) + 1, 0);
  const total = stateBytes(items, results);
  if (total > STATE_PAYLOAD_QUOTA_BYTES) {
    refuse(
      feed,
      `${scenarios.length} scenarios may take up to ${total} bytes once resolved against the schema`,
      fitting(scenarios.length, items, results),
    );
  }
}

/**
 * After resolution, exactly: the resolved scenarios plus the largest results must fit, and so
 * must the resolving task's own result.
 */
export function checkResolvedScenariosFit(
  feed: string,
  datasetId: string,
  resolved: readonly { readonly scenario: { readonly name: string } }[],
  taskResult: unknown,
): void {
  const items = jsonBytes(resolved);
  const results = resolved.reduce((n, s) => n + scenarioResultBound(s.scenario.name) + 1, 0);
  const total = stateBytes(items, results);
  const resultBytes = jsonBytes(taskResult);
  if (total > STATE_PAYLOAD_QUOTA_BYTES || resultBytes > STATE_PAYLOAD_QUOTA_BYTES - 1024) {
    refuse(
      feed,
      `${resolved.length} resolved scenarios take ${Math.max(total, resultBytes)} bytes`,
      fitting(resolved.length, items, results),
      datasetId,
    );
  }
}
