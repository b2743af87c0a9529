/**
 * Combining column-batch visitors (conformance, the content check) so that one inspection pass
 * feeds them all. Kept free of SDK imports: the scan worker loads it.
 */
import type { BatchVisitor, ColumnBatchValues } from './inspection.ts';

/** The columns `visitor` is handed as numbers where cells parse as such. */
export function numericColumnsOf(visitor: BatchVisitor): ReadonlySet<string> {
  return visitor.numbersWelcome ? new Set(visitor.columns) : (visitor.numericColumns ?? new Set());
}

/**
 * One visitor feeding both; a column either needs is decoded once. A column is handed over as
 * numbers when either visitor asks for that, or when a visitor that welcomes numbers needs it
 * and the other does not need it as text.
 */
export function combineVisitors(
  a: BatchVisitor | undefined,
  b: BatchVisitor | undefined,
): BatchVisitor | undefined {
  if (!a || !b) return a ?? b;
  const asText = (v: BatchVisitor, column: string): boolean =>
    !v.numbersWelcome && v.columns.includes(column) && !(v.numericColumns?.has(column) ?? false);
  const numeric = new Set([
    ...(a.numericColumns ?? []),
    ...(b.numericColumns ?? []),
    ...[...numericColumnsOf(a), ...numericColumnsOf(b)].filter((c) => !asText(a, c) && !asText(b, c)),
  ]);
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
