/**
 * Benchmark 6, fault matrix: runs the E2E suite's `test/e2e/fault-matrix.test.ts` (which writes
 * `bench/results/fault-matrix.json`) and reads back its rows for the report. The file's shape is
 * the E2E engineer's; {@link normalizeFaultMatrix} accepts `{ rows: [...] }`, `{ data: { rows } }`
 * or a bare array, with camelCase or snake_case fields. Run alone: `tsx bench/fault-matrix.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, isMain, resultPath, runAsScript } from './common.ts';

const run = promisify(execFile);

export const FAULT_MATRIX_TEST = 'test/e2e/fault-matrix.test.ts';

export interface FaultMatrixRow {
  readonly fault: string;
  readonly outcome: string;
  readonly dataLanded: string;
  readonly duplicateVendorWork: number | null;
  readonly secretsFound: number | null;
}

export interface FaultMatrixStatus {
  /** `ran`: the test ran and passed; `failed`: it ran and failed; `missing`: no test file yet. */
  readonly test: 'ran' | 'failed' | 'missing';
  readonly detail: string | null;
  readonly rows: readonly FaultMatrixRow[];
  readonly generatedAt: string | null;
}

function pick(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined) return row[name];
  return undefined;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function asCount(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** The rows of a fault-matrix results document, whatever its envelope. */
export function normalizeFaultMatrix(doc: unknown): FaultMatrixRow[] {
  const envelope = doc as { rows?: unknown; data?: unknown } | unknown[] | null;
  const nested = Array.isArray(envelope) ? undefined : (envelope?.data as { rows?: unknown } | undefined);
  const candidates: unknown[] = Array.isArray(envelope)
    ? [envelope]
    : [envelope?.rows, envelope?.data, nested?.rows];
  const raw = candidates.find((c): c is unknown[] => Array.isArray(c)) ?? [];
  return (raw as Record<string, unknown>[]).map((row) => ({
    fault: asText(pick(row, 'fault', 'name', 'spec')),
    outcome: asText(pick(row, 'outcome', 'status', 'result')),
    dataLanded: asText(pick(row, 'dataLanded', 'data_landed', 'landed', 'rowsLanded')),
    duplicateVendorWork: asCount(pick(row, 'duplicateVendorWork', 'duplicate_vendor_work', 'duplicateWork')),
    secretsFound: asCount(pick(row, 'secretsFound', 'secrets_found', 'secrets')),
  }));
}

/** Reads `bench/results/fault-matrix.json`, or no rows when it is absent. */
export function readFaultMatrix(): { rows: FaultMatrixRow[]; generatedAt: string | null } {
  const path = resultPath('fault-matrix');
  if (!existsSync(path)) return { rows: [], generatedAt: null };
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { generatedAt?: unknown };
  return {
    rows: normalizeFaultMatrix(doc),
    generatedAt: typeof doc.generatedAt === 'string' ? doc.generatedAt : null,
  };
}

/** Runs the fault-matrix test file (when it exists) and returns what it recorded. */
export async function runFaultMatrix(): Promise<FaultMatrixStatus> {
  if (!existsSync(join(REPO_ROOT, FAULT_MATRIX_TEST))) {
    console.log(`[fault-matrix] ${FAULT_MATRIX_TEST} does not exist yet; rendering whatever results exist`);
    return { test: 'missing', detail: `${FAULT_MATRIX_TEST} not found`, ...readFaultMatrix() };
  }
  let test: FaultMatrixStatus['test'] = 'ran';
  let detail: string | null = null;
  try {
    await run(join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run', FAULT_MATRIX_TEST], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    test = 'failed';
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    detail =
      output
        .split('\n')
        .filter((l) => /FAIL|✗|×|Error/.test(l))
        .slice(0, 10)
        .join('\n') || String(err);
  }
  const recorded = readFaultMatrix();
  console.log(`[fault-matrix] test ${test}; ${recorded.rows.length} rows`);
  return { test, detail, ...recorded };
}

if (isMain(import.meta.url)) runAsScript(() => runFaultMatrix());
