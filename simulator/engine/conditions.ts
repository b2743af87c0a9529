/**
 * Validation of a generation request's `conditions` against a trained model, with the vendor's
 * error codes: `simio_unknown_condition_column` for an unknown column or level,
 * `simio_invalid_field` for everything else (excluded column, type mismatch, bad share or range).
 */
import type { ConditionProblem, Conditions, ModelColumn, TrainedModel } from './types.ts';

/** Shares may exceed 1 by this much before the sum is rejected (floating-point slack). */
export const SHARE_SUM_TOLERANCE = 1e-6;

/** Thrown by `generate` when the conditions have problems; the server should check first. */
export class InvalidConditionsError extends Error {
  override readonly name = 'InvalidConditionsError';
  constructor(readonly problems: readonly ConditionProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/**
 * Every problem in `conditions` (an empty array when they are valid). `conditions` is checked
 * defensively: it usually comes straight from a JSON body.
 */
export function checkConditions(
  model: TrainedModel,
  conditions: Conditions | undefined | null,
): ConditionProblem[] {
  if (conditions === undefined || conditions === null) return [];
  const problems: ConditionProblem[] = [];
  if (!isPlainObject(conditions)) {
    return [
      invalid(
        'conditions',
        'conditions must be an object with optional "categorical" and "numeric" members.',
      ),
    ];
  }
  for (const key of Object.keys(conditions)) {
    if (key !== 'categorical' && key !== 'numeric') {
      problems.push(
        invalid(`conditions.${key}`, `unknown member "${key}"; use "categorical" and/or "numeric".`),
      );
    }
  }
  const columns = new Map(model.columns.map((column) => [column.name, column]));
  const sections = [
    { kind: 'categorical', shape: '{column: {level: share}}', check: checkCategorical },
    { kind: 'numeric', shape: '{column: {min, max}}', check: checkNumeric },
  ] as const;
  for (const { kind, shape, check } of sections) {
    const section: unknown = conditions[kind];
    if (section === undefined || section === null) continue;
    if (!isPlainObject(section)) {
      problems.push(invalid(`conditions.${kind}`, `must be an object ${shape}.`));
      continue;
    }
    for (const [name, condition] of Object.entries(section)) {
      problems.push(...check(model, columns.get(name), name, condition));
    }
  }
  return problems;
}

function checkCategorical(
  model: TrainedModel,
  column: ModelColumn | undefined,
  name: string,
  shares: unknown,
): ConditionProblem[] {
  const field = `conditions.categorical.${name}`;
  const columnProblem = checkColumn(model, column, name, field, 'categorical');
  if (columnProblem) return [columnProblem];
  if (column?.kind !== 'categorical') return [];
  if (!isPlainObject(shares) || Object.keys(shares).length === 0) {
    return [invalid(field, `must be a non-empty object {level: share}, e.g. {"${column.levels[0]}": 0.5}.`)];
  }
  const problems: ConditionProblem[] = [];
  let sum = 0;
  for (const [level, share] of Object.entries(shares)) {
    const levelField = `${field}.${level}`;
    if (!column.levels.includes(level)) {
      problems.push({
        code: 'simio_unknown_condition_column',
        field: levelField,
        message: `Level "${level}" is not a level of column "${name}" in the dataset schema; its levels are: ${column.levels.join(', ')}.`,
      });
      continue;
    }
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0) {
      problems.push(
        invalid(levelField, 'a share must be a finite number >= 0 (a fraction, e.g. 0.25 for 25 %).'),
      );
      continue;
    }
    sum += share;
  }
  if (problems.length > 0) return problems;
  if (sum > 1 + SHARE_SUM_TOLERANCE) {
    problems.push(
      invalid(field, `the shares add up to ${round(sum)}; they must not exceed 1 (they are fractions).`),
    );
  } else if (sum === 0 && Object.keys(shares).length === column.levels.length) {
    problems.push(
      invalid(
        field,
        'every level has share 0, so no row could be generated; give at least one level a positive share.',
      ),
    );
  }
  return problems;
}

function checkNumeric(
  model: TrainedModel,
  column: ModelColumn | undefined,
  name: string,
  range: unknown,
): ConditionProblem[] {
  const field = `conditions.numeric.${name}`;
  const columnProblem = checkColumn(model, column, name, field, 'numeric');
  if (columnProblem) return [columnProblem];
  if (!isPlainObject(range)) return [invalid(field, 'must be an object {min, max} with both bounds.')];
  const problems: ConditionProblem[] = [];
  for (const key of Object.keys(range)) {
    if (key !== 'min' && key !== 'max')
      problems.push(invalid(`${field}.${key}`, 'unknown member; only "min" and "max" are allowed.'));
  }
  for (const bound of ['min', 'max'] as const) {
    const value = range[bound];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(invalid(`${field}.${bound}`, `"${bound}" is required and must be a finite number.`));
    }
  }
  if (problems.length === 0 && (range.min as number) > (range.max as number)) {
    problems.push(invalid(field, `min (${String(range.min)}) is greater than max (${String(range.max)}).`));
  }
  return problems;
}

function checkColumn(
  model: TrainedModel,
  column: ModelColumn | undefined,
  name: string,
  field: string,
  expected: ModelColumn['kind'],
): ConditionProblem | null {
  if (!column) {
    return {
      code: 'simio_unknown_condition_column',
      field,
      message: `Column "${name}" is not in the dataset schema${renameHint(model, name)}. Build conditions from GET /v1/datasets/{dataset_id}/schema.`,
    };
  }
  if (column.conditioningExcluded) {
    return invalid(
      field,
      `Column "${name}" has conditioning_excluded: true in the schema and cannot be conditioned on.`,
    );
  }
  if (column.kind !== expected) {
    const other = expected === 'numeric' ? 'categorical' : 'numeric';
    return invalid(field, `Column "${name}" is ${column.kind}; put it under conditions.${other}.`);
  }
  return null;
}

function renameHint(model: TrainedModel, name: string): string {
  const renamed = Object.hasOwn(model.renames, name) ? model.renames[name] : undefined;
  if (renamed) return ` (cleaning renamed it to "${renamed}")`;
  const lower = name.toLowerCase();
  const match = model.columns.find((c) => c.name.toLowerCase() === lower);
  return match ? ` (did you mean "${match.name}"?)` : '';
}

function invalid(field: string, message: string): ConditionProblem {
  return { code: 'simio_invalid_field', field, message };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
