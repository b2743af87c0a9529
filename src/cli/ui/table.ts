/** Plain-text tables for terminal summaries (no colours, so they survive logs and CI output). */

export type Cell = string | number | boolean | null | undefined;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  if (typeof cell === 'number' && !Number.isInteger(cell)) return cell.toFixed(3);
  return String(cell);
}

/** Renders rows under a header with columns padded to their widest cell; numbers right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((row) => header.map((_, index) => text(row[index])));
  const widths = header.map((title, index) =>
    Math.max(title.length, ...cells.map((row) => (row[index] ?? '').length)),
  );
  const numeric = header.map(
    (_, index) =>
      rows.length > 0 && rows.every((row) => typeof row[index] === 'number' || row[index] == null),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) =>
        numeric[index] ? value.padStart(widths[index] ?? 0) : value.padEnd(widths[index] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
