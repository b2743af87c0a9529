/**
 * Terminal output of `demo` and `run`: the per-scenario table, conformance per condition, the SQL
 * result, and the machine-readable `--json` summary.
 */
import type { LocalRunSummary } from '../local/local-run.ts';
import { renderTable, type Cell } from './ui/table.ts';

/**
 * Exit codes of `run` and `demo` (docs/run-outcomes.md): every scenario landed; some landed and
 * some did not; nothing landed (or the seed was refused); bad command-line input.
 */
export const EXIT_CODES = { succeeded: 0, failed: 1, usage: 2, partial: 3 } as const;

/** The exit code for a run's status. */
export function exitCodeOf(status: LocalRunSummary['status']): number {
  if (status === 'SUCCEEDED') return EXIT_CODES.succeeded;
  return status === 'PARTIAL' ? EXIT_CODES.partial : EXIT_CODES.failed;
}

/** The `--json` document: ids, counts and keys only (no URLs, no rows beyond the query). */
export function jsonSummary(summary: LocalRunSummary): Record<string, unknown> {
  const counts = { landed: 0, partial: 0, failed: 0, skipped: 0 };
  for (const scenario of summary.scenarios) counts[scenario.outcome] += 1;
  return {
    status: summary.status,
    exit_code: exitCodeOf(summary.status),
    scenario_counts: counts,
    feed: summary.feed,
    run_id: summary.runId,
    dataset_id: summary.datasetId,
    error: summary.error,
    state_transitions: summary.stateTransitions,
    scenarios: summary.scenarios.map((scenario) => ({
      name: scenario.name,
      outcome: scenario.outcome,
      generation_id: scenario.generationId,
      status: scenario.outputKey ? (scenario.partial ? 'partial' : 'ready') : scenario.outcome,
      format: scenario.format,
      rows_requested: scenario.rowsRequested,
      rows_generated: scenario.rowsGenerated,
      output_keys: [scenario.outputKey, scenario.manifestKey].filter((key): key is string => key !== null),
      conformance: scenario.conformance,
      error: scenario.error,
      quarantined: scenario.quarantined,
      quality: scenario.quality,
    })),
    query: summary.query
      ? { sql: summary.query.sql, rows: summary.query.rows, error: summary.query.error ?? null }
      : null,
    local_dir: summary.localDir,
  };
}

function gateCell(s: LocalRunSummary['scenarios'][number]): string {
  if (!s.quality) return '-';
  return s.quality.passed ? 'passed' : `QUARANTINED (${s.quality.failedMetrics.join(', ')})`;
}

function score(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : value.toFixed(3);
}

function percent(value: number | null): string {
  return value === null ? '-' : `${(value * 100).toFixed(1)}%`;
}

/** Conformance rows: one per condition (categorical level or numeric range). */
function conformanceRows(summary: LocalRunSummary): Cell[][] {
  const rows: Cell[][] = [];
  for (const scenario of summary.scenarios) {
    for (const column of scenario.conformance?.categorical ?? []) {
      for (const level of column.levels) {
        rows.push([
          scenario.name,
          `${column.column} = ${level.level}`,
          percent(level.requestedShare),
          percent(level.deliveredShare),
          level.withinTolerance ? 'yes' : 'NO',
        ]);
      }
    }
    for (const column of scenario.conformance?.numeric ?? []) {
      rows.push([
        scenario.name,
        `${column.column} in [${column.requestedMin}, ${column.requestedMax}]` +
          (column.clamped
            ? ` (clamped from [${column.clamped.writtenMin}, ${column.clamped.writtenMax}], ${column.clamped.outside} outside the seed's range)`
            : ''),
        '100.0%',
        percent(column.fractionInside),
        column.conforms ? 'yes' : 'NO',
      ]);
    }
  }
  return rows;
}

/** The human-readable report. */
export function textReport(summary: LocalRunSummary): string {
  const lines: string[] = [];
  lines.push(
    `Run ${summary.runId ?? '-'} of feed "${summary.feed}": ${summary.status}` +
      (summary.datasetId
        ? ` (dataset ${summary.datasetId}, ${summary.stateTransitions} state transitions)`
        : ''),
  );
  if (summary.error) {
    lines.push(
      `  error: ${summary.error.code ?? summary.error.error ?? 'unknown'}${summary.error.detail ? `: ${summary.error.detail}` : ''}` +
        (summary.error.requestId ? ` (vendor request ${summary.error.requestId})` : ''),
    );
  }
  if (summary.scenarios.length > 0) {
    lines.push(
      '',
      renderTable(
        [
          'scenario',
          'outcome',
          'generation',
          'format',
          'requested',
          'generated',
          'conforms',
          'output key / reason',
        ],
        summary.scenarios.map((s): Cell[] => [
          s.name,
          s.outcome === 'partial' ? 'PARTIAL' : s.outcome === 'failed' ? 'FAILED' : s.outcome,
          s.generationId ?? '-',
          s.format ?? '-',
          s.rowsRequested ?? '-',
          s.rowsGenerated ?? '-',
          s.conforms === null ? '-' : s.conforms ? 'yes' : 'NO',
          s.outputKey ??
            `${s.error?.code ?? s.error?.error ?? ''}${s.error?.detail ? `: ${s.error.detail}` : ''}`,
        ]),
      ),
    );
    const gated = summary.scenarios.filter((s) => s.quality);
    if (gated.length > 0) {
      lines.push(
        '',
        'Quality (docs/quality.md): fidelity score, seed rows copied, DCR close share, publish gate:',
        renderTable(
          ['scenario', 'fidelity', 'exact match', 'excess over holdout', 'dcr close', 'pass-through', 'gate'],
          gated.map((s): Cell[] => [
            s.name,
            score(s.quality?.fidelityScore),
            percent(s.quality?.exactMatchShare ?? null),
            percent(s.quality?.exactMatchExcess ?? null),
            percent(s.quality?.dcrCloseShare ?? null),
            s.quality?.passThroughColumns ?? 0,
            gateCell(s),
          ]),
        ),
      );
    }
    const conformance = conformanceRows(summary);
    if (conformance.length > 0) {
      lines.push(
        '',
        'Conformance per condition:',
        renderTable(['scenario', 'condition', 'asked', 'delivered', 'ok'], conformance),
      );
    }
  }
  if (summary.query && summary.query.rows.length > 0) {
    const header = Object.keys(summary.query.rows[0] ?? {});
    lines.push(
      '',
      `SQL over the landed data (DuckDB, Hive partitions, as Athena would see it):`,
      `  ${summary.query.sql}`,
      renderTable(
        header,
        summary.query.rows.map((row) => header.map((name) => row[name] ?? null)),
      ),
    );
  }
  if (summary.query?.error) lines.push('', `No SQL result: ${summary.query.error}`);
  if (summary.localDir) lines.push('', `Landed objects and manifests copied to ${summary.localDir}`);
  return lines.join('\n');
}
