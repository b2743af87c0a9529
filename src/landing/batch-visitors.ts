/**
 * Combining column-batch visitors (conformance, the content check) so that one inspection pass
 * feeds them all. Kept free of SDK imports: the scan worker loads it.
 */
import type { BatchVisitor, ColumnBatchValues } from './inspect.ts';

/** One visitor feeding both; a column either needs is decoded once. */
export function combineVisitors(
  a: BatchVisitor | undefined,
  b: BatchVisitor | undefined,
): BatchVisitor | undefined {
  if (!a || !b) return a ?? b;
  const numeric = new Set([...(a.numericColumns ?? []), ...(b.numericColumns ?? [])]);
  const pick = (v: BatchVisitor, columns: Readonly<Record<string, ColumnBatchValues>>) =>
    Object.fromEntries(v.columns.filter((c) => c in columns).map((c) => [c, columns[c]!]));
  return {
    columns: [...new Set([...a.columns, ...b.columns])],
    numericColumns: numeric,
    visitBatch(columns, rowCount) {
      a.visitBatch(pick(a, columns), rowCount);
      b.visitBatch(pick(b, columns), rowCount);
    },
  };
}
