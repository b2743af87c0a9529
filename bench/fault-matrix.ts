/**
 * Benchmark 6, fault matrix: runs the E2E suite's `test/e2e/fault-matrix.test.ts`, which injects
 * one fault class per row into a whole local pipeline run (moto + simulator) and writes
 * `bench/results/fault-matrix.json` ({@link FaultMatrixDocument}); this module owns that shape,
 * writes it for the test and reads it back for the report. Run alone: `tsx bench/fault-matrix.ts`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { REPO_ROOT, RESULTS_DIR, isMain, resultPath, runAsScript } from './common.ts';

const run = promisify(execFile);

export const FAULT_MATRIX_BENCHMARK = 'fault-matrix';
export const FAULT_MATRIX_TEST = 'test/e2e/fault-matrix.test.ts';

const rowSchema = z.object({
  /** The fault class injected. */
  fault: z.string().min(1),
  /** `landed`, or `failed cleanly: <vendor code or error>`. */
  outcome: z.string().min(1),
  /** Whether the run's data reached the lake: all of it, none, or a partial generation. */
  dataLanded: z.enum(['yes', 'no', 'partial']),
  /** Vendor work (training, generation) executed twice for the same input; must be 0. */
  duplicateVendorWork: z.number().int().nonnegative(),
  /** Secrets found in captured logs, execution histories and records; must be 0. */
  secretsFound: z.number().int().nonnegative(),
  /** Two-scenario rows: what `redrive` did afterwards (it must land the rest buying nothing twice). */
  redrive: z.string().min(1).optional(),
});

const documentSchema = z.object({
  benchmark: z.literal(FAULT_MATRIX_BENCHMARK),
  generatedAt: z.string(),
  rows: z.array(rowSchema),
});

/** One fault class and what the pipeline did under it. */
export type FaultMatrixRow = z.infer<typeof rowSchema>;

/** `bench/results/fault-matrix.json`. */
export type FaultMatrixDocument = z.infer<typeof documentSchema>;

export interface FaultMatrixStatus {
  /** `ran`: the test ran and passed; `failed`: it ran and failed; `missing`: no test file yet. */
  readonly test: 'ran' | 'failed' | 'missing';
  readonly detail: string | null;
  readonly rows: readonly FaultMatrixRow[];
  readonly generatedAt: string | null;
}

/** The rows of a fault-matrix results document; throws, naming the field, on any other shape. */
export function normalizeFaultMatrix(doc: unknown): FaultMatrixRow[] {
  const parsed = documentSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${resultPath(FAULT_MATRIX_BENCHMARK)} is not a fault-matrix document: ` +
        `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data.rows;
}

/** Writes `bench/results/fault-matrix.json` from the rows the test recorded. */
export function writeFaultMatrix(rows: readonly FaultMatrixRow[]): FaultMatrixDocument {
  const doc: FaultMatrixDocument = {
    benchmark: FAULT_MATRIX_BENCHMARK,
    generatedAt: new Date().toISOString(),
    rows: [...rows],
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultPath(FAULT_MATRIX_BENCHMARK), `${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}

/** Reads `bench/results/fault-matrix.json`, or no rows when it is absent. */
export function readFaultMatrix(): { rows: FaultMatrixRow[]; generatedAt: string | null } {
  const path = resultPath(FAULT_MATRIX_BENCHMARK);
  if (!existsSync(path)) return { rows: [], generatedAt: null };
  const doc = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  return { rows: normalizeFaultMatrix(doc), generatedAt: (doc as FaultMatrixDocument).generatedAt };
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
    await run(
      join(REPO_ROOT, 'node_modules', '.bin', 'vitest'),
      ['run', '--project', 'e2e', FAULT_MATRIX_TEST],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
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
