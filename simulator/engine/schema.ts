/** The dataset schema the vendor reports (`GET /v1/datasets/{id}/schema`), from the cleaned frame. */
import type { CleanTable, SchemaColumn } from './types.ts';

/** One entry per retained column, in cleaned-frame order. */
export function schemaOf(table: CleanTable): SchemaColumn[] {
  return table.columns.map((column): SchemaColumn => {
    if (column.kind === 'categorical') {
      return {
        name: column.name,
        type: column.type,
        levels: [...column.levels],
        min: null,
        max: null,
        conditioning_excluded: column.conditioningExcluded,
      };
    }
    const { min, max } = observedRange(column.values);
    return {
      name: column.name,
      type: column.type,
      levels: null,
      min,
      max,
      conditioning_excluded: column.conditioningExcluded,
    };
  });
}

/** Smallest and largest non-missing value, or nulls when every value is missing. */
export function observedRange(values: Float64Array): { min: number | null; max: number | null } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : { min: null, max: null };
}
