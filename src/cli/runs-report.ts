/** Terminal output of `simulacra-pipeline runs`: one block per run, one line per scenario. */
import type { QualityHeadline } from '../landing/content-check.ts';
import type { ListedRun, ScenarioOutcomeLine } from '../state/run-listing.ts';

function firstLine(text: string | null | undefined, max = 160): string {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function figure(value: number | null): string {
  return value === null ? '–' : String(value);
}

/** The quality headline under a landed scenario: the figures `run` prints, on one line. */
function qualityLine(q: QualityHeadline): string {
  return (
    `            quality ${q.passed ? 'passed' : `failed (${q.failedMetrics.join(', ')})`}: ` +
    `fidelity ${figure(q.fidelityScore)}, exact match ${figure(q.exactMatchShare)} ` +
    `(excess over holdout ${figure(q.exactMatchExcess)}), DCR close share ${figure(q.dcrCloseShare)}, ` +
    `pass-through columns ${q.passThroughColumns}`
  );
}

function scenarioLine(s: ScenarioOutcomeLine): string {
  const name = s.scenario.padEnd(20);
  switch (s.outcome) {
    case 'landed':
    case 'partial': {
      const line = `  ${s.outcome.padEnd(9)} ${name} ${String(s.rows ?? '?')} rows ${s.format ?? ''}  ${s.outputKey ?? ''}`;
      return s.quality ? `${line}\n${qualityLine(s.quality)}` : line;
    }
    default:
      return `  ${s.outcome.padEnd(9)} ${name} ${s.code ?? ''}${s.message ? `: ${firstLine(s.message)}` : ''}`;
  }
}

/** The human-readable listing. */
export function runsText(runs: readonly ListedRun[]): string {
  if (runs.length === 0) return 'No runs recorded.';
  const blocks = runs.map((run) => {
    const lines = [
      `${run.runId}  ${run.kind}  ${run.status}  started ${run.startedAt}` +
        `${run.feed ? `  feed ${run.feed}` : ''}${run.datasetId ? `  dataset ${run.datasetId}` : ''}`,
    ];
    if (run.seedKey) lines.push(`  seed      ${run.seedKey}`);
    if (run.duplicateOf) {
      lines.push(
        `  duplicate of ${run.duplicateOf}: same seed bytes, its live dataset reused (no new training; nothing landed twice)`,
      );
    }
    if (run.rejection)
      lines.push(`  rejected seed ${run.rejection.code}: ${firstLine(run.rejection.reason)}`);
    if (run.skip) lines.push(`  skipped ${run.skip.code}: ${firstLine(run.skip.reason)}`);
    lines.push(...run.scenarios.map(scenarioLine));
    if (run.failureCode) lines.push(`  failed    ${run.failureCode}: ${firstLine(run.failureMessage)}`);
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
