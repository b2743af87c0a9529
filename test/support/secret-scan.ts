/**
 * Leak detection for tests and the local runner: searches captured output (logs, execution
 * histories, summaries) for the exact secrets a simulator handed out, and for anything shaped like
 * a live secret (the shapes in `src/observability/redact.ts`, the one redaction module) that
 * redaction should have removed. Redaction markers such as `[REDACTED]` never count as findings.
 */
import type { SensitiveValue } from '../../simulator/sensitive.ts';
import { LEAK_SHAPES } from '../../src/observability/redact.ts';

export type { SensitiveValue } from '../../simulator/sensitive.ts';

/** One piece of captured output, named by where it came from. */
export interface ScannedText {
  /** e.g. `log:.local/logs/run.jsonl` or `history:ingest/<execution>`. */
  readonly source: string;
  readonly text: string;
}

/** A secret (or secret-shaped value) found in captured output. */
export interface SecretFinding {
  readonly source: string;
  /** A {@link SensitiveValue} kind for exact matches, `pattern:<name>` for shape matches. */
  readonly kind: string;
  /** The surroundings of the match with the secret itself masked, safe to print. */
  readonly excerpt: string;
}

/** Values shorter than this are not searched verbatim (they would match by accident). */
const MIN_KNOWN_LENGTH = 12;
const EXCERPT_CONTEXT = 40;

function excerptAround(text: string, index: number, length: number): string {
  const start = Math.max(0, index - EXCERPT_CONTEXT);
  const end = Math.min(text.length, index + length + EXCERPT_CONTEXT);
  return `${text.slice(start, index)}<secret:${length} chars>${text.slice(index + length, end)}`.replace(
    /\s+/g,
    ' ',
  );
}

function knownFindings(scanned: ScannedText, known: readonly SensitiveValue[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const { kind, value } of known) {
    if (value.length < MIN_KNOWN_LENGTH) continue;
    const index = scanned.text.indexOf(value);
    if (index >= 0) {
      findings.push({
        source: scanned.source,
        kind,
        excerpt: excerptAround(scanned.text, index, value.length),
      });
    }
  }
  return findings;
}

function patternFindings(scanned: ScannedText): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const [name, pattern] of Object.entries(LEAK_SHAPES)) {
    for (const match of scanned.text.matchAll(pattern)) {
      findings.push({
        source: scanned.source,
        kind: `pattern:${name}`,
        excerpt: excerptAround(scanned.text, match.index, match[0].length),
      });
    }
  }
  return findings;
}

/**
 * Every secret found in `texts`: exact occurrences of `known` values (what the simulator handed
 * out) and secret-shaped strings. An empty result is the proof that nothing leaked.
 */
export function scanForSecrets(
  texts: Iterable<ScannedText>,
  known: readonly SensitiveValue[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const scanned of texts) {
    findings.push(...knownFindings(scanned, known), ...patternFindings(scanned));
  }
  return findings;
}

/** Captured values of any shape (history events, records) as scannable text. */
export function scannedJson(source: string, value: unknown): ScannedText {
  return { source, text: typeof value === 'string' ? value : (JSON.stringify(value) ?? '') };
}
