/** Shared pieces of BENCHMARKS.md: target verdicts, number formatting and Markdown tables. */
import { round } from './common.ts';

export type Verdict = 'met' | 'MISSED' | 'not measured';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly verdict: Verdict;
  /** For a missed target: what limits it. */
  readonly limitedBy: string | null;
}

export function verdict(ok: boolean | null): Verdict {
  if (ok === null) return 'not measured';
  return ok ? 'met' : 'MISSED';
}

export const fmt = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : String(round(n, digits));

/** A Markdown table; pipes and newlines in cells are escaped. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
