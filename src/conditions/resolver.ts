/**
 * Resolves a scenario's conditions (the customer's column names) against a dataset's cleaned
 * schema (`GET /v1/datasets/{id}/schema`) into the vendor request shape, following the contract
 * notes §8 and §10 #13–#15:
 *
 * - columns match exactly first, then through the vendor's name cleaning ({@link vendorColumnName})
 *   and case-insensitively;
 * - unknown, dropped and `conditioning_excluded` columns, type mismatches, unknown levels, invalid
 *   shares and invalid ranges are refused, all problems at once;
 * - numeric bounds are sent as written: the vendor clamps bounds outside the schema range (partly
 *   or wholly outside) instead of refusing them; each clamp it will apply is reported so the
 *   conformance report can flag the scenario.
 */
import type { CleaningSummary, Conditions, SchemaColumn } from '../client/contract.ts';
import { columnMatchKey, vendorColumnName } from './column-names.ts';
import { clampsFor, type NumericClamp } from './numeric-range.ts';
import { formatNumber, isValidShare, shareSumProblem } from './rules.ts';

export type { NumericClamp } from './numeric-range.ts';

/** Schema types the vendor treats as categorical (contract notes §1.2). */
export const CATEGORICAL_TYPES: ReadonlySet<string> = new Set([
  'factor',
  'ordered',
  'character',
  'string',
  'logical',
  'boolean',
]);
/** Schema types the vendor treats as numeric. */
export const NUMERIC_TYPES: ReadonlySet<string> = new Set(['numeric', 'integer', 'double']);

/** Levels listed in a message before it is cut short. */
const MAX_LISTED = 25;

/** How a customer's column name was matched to a cleaned schema column. */
export interface ColumnMapping {
  readonly requested: string;
  readonly resolved: string;
  /** `exact`: same name; `normalised`: matched after the vendor's name cleaning / case folding. */
  readonly via: 'exact' | 'normalised';
  readonly kind: 'categorical' | 'numeric';
}

export interface ResolvedConditions {
  /** The vendor request's `conditions` (cleaned column names, bounds as written); `{}` when unconditioned. */
  readonly conditions: Conditions;
  /** True when `conditions` has at least one column (send it); false means omit it. */
  readonly conditioned: boolean;
  readonly mappings: readonly ColumnMapping[];
  readonly clamps: readonly NumericClamp[];
  /** Things that were accepted but could not be fully checked (e.g. a schema without levels). */
  readonly warnings: readonly string[];
}

export interface ResolveConditionsOptions {
  /** The dataset's `cleaning_summary.dropped_columns`, for a precise message on dropped columns. */
  readonly droppedColumns?: CleaningSummary['dropped_columns'] | null;
}

/** One reason the conditions cannot be sent. */
export interface ConditionProblem {
  /** Where in the scenario, e.g. `conditions.categorical.segment.Premum`. */
  readonly path: string;
  /** What is wrong, what the schema offers, and how to fix it. */
  readonly message: string;
}

/** Conditions that do not fit the dataset's schema; the message lists every problem. */
export class ConditionResolutionError extends Error {
  override readonly name = 'ConditionResolutionError';
  readonly scenario: string | null;
  readonly problems: readonly ConditionProblem[];
  constructor(scenario: string | null, problems: readonly ConditionProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const subject = scenario === null ? 'The conditions' : `The conditions of scenario "${scenario}"`;
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}`);
    super(
      `${subject} do not fit the dataset's cleaned schema (${count}):\n${lines.join('\n')}\n` +
        'Build conditions from GET /v1/datasets/{dataset_id}/schema: its column names, levels and ranges.',
    );
    this.scenario = scenario;
    this.problems = problems;
  }
}

/** What a scenario needs to carry for resolution. */
export interface ConditionedScenario {
  readonly name?: string;
  readonly conditions?: Conditions | null;
}

type ColumnKind = 'categorical' | 'numeric' | 'other';

function kindOf(column: SchemaColumn): ColumnKind {
  const type = String(column.type).toLowerCase();
  if (CATEGORICAL_TYPES.has(type)) return 'categorical';
  if (NUMERIC_TYPES.has(type)) return 'numeric';
  return 'other';
}

function listOf(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LISTED).map((v) => JSON.stringify(v));
  const more = values.length > MAX_LISTED ? `, … and ${values.length - MAX_LISTED} more` : '';
  return `${shown.join(', ')}${more}`;
}

function rangeText(column: SchemaColumn): string {
  if (column.min === null && column.max === null) return 'range not published';
  return `${column.min === null ? '-∞' : formatNumber(column.min)} to ${column.max === null ? '∞' : formatNumber(column.max)}`;
}

/** `segment (factor: "Mainstream", "Premium")`, `age (integer, 18 to 80)` */
export function describeSchemaColumn(column: SchemaColumn): string {
  const excluded = column.conditioning_excluded === true ? ', excluded from conditioning' : '';
  switch (kindOf(column)) {
    case 'categorical':
      return `${column.name} (${column.type}: ${column.levels && column.levels.length > 0 ? listOf(column.levels) : 'levels not published'}${excluded})`;
    case 'numeric':
      return `${column.name} (${column.type}, ${rangeText(column)}${excluded})`;
    default:
      return `${column.name} (${column.type}${excluded})`;
  }
}

function availableColumns(schema: readonly SchemaColumn[], kind: 'categorical' | 'numeric'): string {
  const usable = schema.filter((c) => kindOf(c) === kind && c.conditioning_excluded !== true);
  if (usable.length === 0) return `The schema has no ${kind} column that can be conditioned.`;
  return `Available ${kind} columns: ${usable.map(describeSchemaColumn).join('; ')}.`;
}

/** `conditions.categorical.segment` / `conditions.numeric["age group"].min` */
function pathOf(...segments: string[]): string {
  return segments
    .map((s, i) => (i === 0 ? s : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

type ColumnMatch =
  | { readonly ok: true; readonly column: SchemaColumn; readonly via: 'exact' | 'normalised' }
  | { readonly ok: false; readonly message: string };

const DROP_REASONS: Readonly<Record<string, string>> = {
  identifier_like_column: 'it looks like an identifier',
  unsupported_datetime: 'date/time columns are not supported',
  constant_categorical: 'it has a single value',
  rare_category: 'its levels are too rare to model',
  low_variance: 'it has (almost) no variance',
  redundant_numeric: 'it duplicates another numeric column',
  other: 'the cleaning could not use it',
};

function matchColumn(
  requested: string,
  kind: 'categorical' | 'numeric',
  schema: readonly SchemaColumn[],
  options: ResolveConditionsOptions,
): ColumnMatch {
  const exact = schema.find((c) => c.name === requested);
  if (exact) return { ok: true, column: exact, via: 'exact' };
  const cleaned = vendorColumnName(requested);
  const cleanedMatch = schema.find((c) => c.name === cleaned);
  if (cleanedMatch) return { ok: true, column: cleanedMatch, via: 'normalised' };
  const key = columnMatchKey(requested);
  const candidates = schema.filter((c) => columnMatchKey(c.name) === key);
  if (candidates.length === 1) return { ok: true, column: candidates[0]!, via: 'normalised' };
  if (candidates.length > 1) {
    return {
      ok: false,
      message: `column "${requested}" matches several schema columns when case is ignored (${listOf(candidates.map((c) => c.name))}); write the exact cleaned name`,
    };
  }
  const dropped = (options.droppedColumns ?? []).find(
    (d) => d.name === requested || columnMatchKey(d.name) === key,
  );
  if (dropped) {
    const why = DROP_REASONS[dropped.reason] ?? `reason "${dropped.reason}"`;
    return {
      ok: false,
      message: `column "${requested}" was dropped by the vendor's cleaning (${dropped.reason}: ${why}), so it cannot be conditioned on; remove it from the scenario. ${availableColumns(schema, kind)}`,
    };
  }
  const lookedFor = cleaned === requested ? '' : ` (also looked for "${cleaned}", ignoring case)`;
  const near = closest(
    key,
    schema.filter((c) => c.conditioning_excluded !== true).map((c) => c.name),
    columnMatchKey,
  );
  const hint = near === null ? '' : ` Did you mean "${near}"?`;
  return {
    ok: false,
    message: `column "${requested}" is not in the dataset's cleaned schema${lookedFor}.${hint} ${availableColumns(schema, kind)}`,
  };
}

function checkColumnUsable(
  requested: string,
  column: SchemaColumn,
  wanted: 'categorical' | 'numeric',
  schema: readonly SchemaColumn[],
): string | null {
  const name =
    column.name === requested
      ? `column "${requested}"`
      : `column "${requested}" (cleaned name "${column.name}")`;
  if (column.conditioning_excluded === true) {
    return `${name} is excluded from conditioning by the vendor (free text or a high-cardinality identifier); remove it. ${availableColumns(schema, wanted)}`;
  }
  const kind = kindOf(column);
  if (kind === wanted) return null;
  if (kind === 'numeric') {
    return `${name} is numeric (${column.type}, ${rangeText(column)}), not categorical; move it to conditions.numeric as {"min": …, "max": …}`;
  }
  if (kind === 'categorical') {
    const levels =
      column.levels && column.levels.length > 0 ? `levels ${listOf(column.levels)}` : 'levels not published';
    return `${name} is categorical (${column.type}, ${levels}), not numeric; move it to conditions.categorical as {"<level>": <share>}`;
  }
  return `${name} has type "${column.type}", which cannot be conditioned; remove it. ${availableColumns(schema, wanted)}`;
}

/** Edit distance (Levenshtein) between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate closest to `target` (compared through `keyOf`) within a small typo distance, or null. */
function closest(target: string, candidates: readonly string[], keyOf: (s: string) => string): string | null {
  let best: string | null = null;
  let bestDistance = Math.min(2, Math.floor(target.length / 3));
  for (const candidate of candidates) {
    const distance = editDistance(target, keyOf(candidate));
    if (distance <= bestDistance && (best === null || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function levelHint(level: string, levels: readonly string[]): string {
  const fold = (s: string): string => s.trim().toLowerCase();
  const near = levels.find((l) => fold(l) === fold(level)) ?? closest(fold(level), levels, fold);
  if (near !== null) return ` Did you mean "${near}"? Levels match exactly.`;
  if (levels.includes('Other')) return ' Rare levels may have been folded into "Other" by the cleaning.';
  return '';
}

/**
 * Maps `scenario.conditions` onto the cleaned schema. Returns the vendor request's conditions plus
 * how each column was matched and which numeric bounds were clamped. Throws
 * {@link ConditionResolutionError} listing every problem, each with what the schema offers.
 */
export function resolveConditions(
  scenario: ConditionedScenario,
  schema: readonly SchemaColumn[],
  options: ResolveConditionsOptions = {},
): ResolvedConditions {
  const problems: ConditionProblem[] = [];
  const mappings: ColumnMapping[] = [];
  const clamps: NumericClamp[] = [];
  const warnings: string[] = [];
  const categorical: Record<string, Record<string, number>> = {};
  const numeric: Record<string, { min: number; max: number }> = {};
  /** Cleaned name -> the requested path that claimed it (to catch two names for one column). */
  const claimed = new Map<string, string>();
  const input = scenario.conditions ?? {};

  const claim = (path: string, requested: string, column: SchemaColumn): boolean => {
    const earlier = claimed.get(column.name);
    if (earlier !== undefined) {
      problems.push({
        path,
        message: `column "${requested}" resolves to "${column.name}", which ${earlier} already conditions; condition each column once`,
      });
      return false;
    }
    claimed.set(column.name, path);
    return true;
  };

  /**
   * Matches `requested` to a usable `kind` column that no other name conditions yet; null (with
   * the problem recorded at `path`) when there is none.
   */
  const resolveColumn = (
    path: string,
    requested: string,
    kind: 'categorical' | 'numeric',
  ): Extract<ColumnMatch, { ok: true }> | null => {
    const match = matchColumn(requested, kind, schema, options);
    if (!match.ok) {
      problems.push({ path, message: match.message });
      return null;
    }
    const unusable = checkColumnUsable(requested, match.column, kind, schema);
    if (unusable) {
      problems.push({ path, message: unusable });
      return null;
    }
    return claim(path, requested, match.column) ? match : null;
  };

  for (const [requested, shares] of Object.entries(input.categorical ?? {})) {
    const path = pathOf('conditions', 'categorical', requested);
    const match = resolveColumn(path, requested, 'categorical');
    if (!match) continue;
    const levels = match.column.levels && match.column.levels.length > 0 ? match.column.levels : null;
    const entries = Object.entries(shares ?? {});
    if (entries.length === 0) {
      problems.push({
        path,
        message: `lists no levels; give at least one level and its share${levels ? `. Levels: ${listOf(levels)}` : ''}`,
      });
      continue;
    }
    if (!levels) {
      warnings.push(
        `${path}: the schema publishes no levels for "${match.column.name}"; level names were not checked`,
      );
    }
    let valid = true;
    for (const [level, share] of entries) {
      const levelPath = pathOf('conditions', 'categorical', requested, level);
      if (levels && !levels.includes(level)) {
        valid = false;
        problems.push({
          path: levelPath,
          message: `level "${level}" is not a level of "${match.column.name}".${levelHint(level, levels)} Levels: ${listOf(levels)}`,
        });
      }
      if (!isValidShare(share)) {
        valid = false;
        problems.push({
          path: levelPath,
          message: `share ${JSON.stringify(share)} must be a number between 0 and 1 (a fraction: 0.55 means 55 %)`,
        });
      }
    }
    if (!valid) continue;
    const sumProblem = shareSumProblem(shares, levels);
    if (sumProblem) {
      problems.push({ path, message: sumProblem });
      continue;
    }
    mappings.push({ requested, resolved: match.column.name, via: match.via, kind: 'categorical' });
    categorical[match.column.name] = Object.fromEntries(entries);
  }

  for (const [requested, range] of Object.entries(input.numeric ?? {})) {
    const path = pathOf('conditions', 'numeric', requested);
    const match = resolveColumn(path, requested, 'numeric');
    if (!match) continue;
    const column = match.column;
    const schemaRange = `the schema range of "${column.name}" is ${rangeText(column)}`;
    const bounds = (range ?? {}) as { min?: unknown; max?: unknown };
    let valid = true;
    for (const bound of ['min', 'max'] as const) {
      const value = bounds[bound];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        valid = false;
        problems.push({
          path: pathOf('conditions', 'numeric', requested, bound),
          message: `${value === undefined ? 'is missing' : `${JSON.stringify(value)} is not a finite number`}; numeric ranges need both "min" and "max" (${schemaRange})`,
        });
      }
    }
    if (!valid) continue;
    const min = bounds.min as number;
    const max = bounds.max as number;
    if (min > max) {
      problems.push({
        path,
        message: `min ${formatNumber(min)} is greater than max ${formatNumber(max)}; swap them (${schemaRange})`,
      });
      continue;
    }
    clamps.push(...clampsFor(column.name, { min, max }, column));
    mappings.push({ requested, resolved: column.name, via: match.via, kind: 'numeric' });
    numeric[column.name] = { min, max };
  }

  if (problems.length > 0) throw new ConditionResolutionError(scenario.name ?? null, problems);
  const conditions: Conditions = {
    ...(Object.keys(categorical).length > 0 ? { categorical } : {}),
    ...(Object.keys(numeric).length > 0 ? { numeric } : {}),
  };
  return { conditions, conditioned: Object.keys(conditions).length > 0, mappings, clamps, warnings };
}
