/**
 * Numeric ranges as the vendor defines them (contract notes §8 and §10 #15): both bounds are
 * required and `min ≤ max`; bounds outside the schema's range are clamped by the vendor, not
 * refused. A range wholly outside the schema's range is clamped onto its nearest edge, which
 * yields a tiny or `partial` result. The pipeline sends the bounds as written and records each
 * clamp the vendor will apply, so the conformance report can judge the delivered rows against
 * the range that was actually applied and flag the scenario.
 */
import type { Conditions } from '../client/contract.ts';

/** How much of a requested range lies outside the schema's range. */
export type RangeOutside = 'partly' | 'wholly';

/** A numeric bound the vendor moves into the schema's range. */
export interface NumericClamp {
  /** Cleaned column name. */
  readonly column: string;
  readonly bound: 'min' | 'max';
  readonly requested: number;
  readonly applied: number;
  readonly schemaMin: number | null;
  readonly schemaMax: number | null;
  /** `wholly` when no part of the requested range overlaps the schema's range. */
  readonly outside: RangeOutside;
}

export interface SchemaRange {
  readonly min: number | null;
  readonly max: number | null;
}

/** `[lo, hi]` clamped into `range`, the vendor's way: each bound on its own (unpublished ends stay open). */
function clampBound(value: number, range: SchemaRange): number {
  let out = value;
  if (range.min !== null && out < range.min) out = range.min;
  if (range.max !== null && out > range.max) out = range.max;
  return out;
}

/**
 * The clamps the vendor applies to `requested` (assumed `min ≤ max`) on a column whose schema
 * range is `schema`; empty when the range lies inside it.
 */
export function clampsFor(
  column: string,
  requested: { readonly min: number; readonly max: number },
  schema: SchemaRange,
): NumericClamp[] {
  const wholly =
    (schema.min !== null && requested.max < schema.min) ||
    (schema.max !== null && requested.min > schema.max);
  const outside: RangeOutside = wholly ? 'wholly' : 'partly';
  const clamps: NumericClamp[] = [];
  for (const bound of ['min', 'max'] as const) {
    const applied = clampBound(requested[bound], schema);
    if (applied === requested[bound]) continue;
    clamps.push({
      column,
      bound,
      requested: requested[bound],
      applied,
      schemaMin: schema.min,
      schemaMax: schema.max,
      outside,
    });
  }
  return clamps;
}

/** `conditions` with every clamp applied: the ranges the vendor actually generates within. */
export function applyClamps(conditions: Conditions, clamps: readonly NumericClamp[]): Conditions {
  if (clamps.length === 0 || !conditions.numeric) return conditions;
  const numeric: Record<string, { min: number; max: number }> = {};
  for (const [column, range] of Object.entries(conditions.numeric)) {
    const own = clamps.filter((c) => c.column === column);
    numeric[column] = {
      min: own.find((c) => c.bound === 'min')?.applied ?? range.min,
      max: own.find((c) => c.bound === 'max')?.applied ?? range.max,
    };
  }
  return { ...conditions, numeric };
}

/** Clamps read back from state or a manifest (anything else is ignored). */
export function parseClamps(value: unknown): NumericClamp[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is NumericClamp =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as NumericClamp).column === 'string' &&
      ((c as NumericClamp).bound === 'min' || (c as NumericClamp).bound === 'max') &&
      typeof (c as NumericClamp).applied === 'number',
  );
}
