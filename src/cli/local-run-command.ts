/**
 * What `demo` and `run` share: option parsing for the API and mode, progress display, and output.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runLocally, type LocalRunOptions, type LocalRunStage } from '../local/local-run.ts';
import { exitCodeOf, jsonSummary, textReport } from './local-run-report.ts';
import {
  externalApiFrom,
  generationModeFrom,
  positiveInteger,
  UsageError,
  type SharedValues,
} from './local-run-options.ts';
import { createProgress } from './ui/progress.ts';

const stageTitles: Record<LocalRunStage, string> = {
  environment: 'Starting local AWS (moto) and the Simulacra simulator',
  upload: 'Uploading the seed and scenarios',
  'vendor-upload': 'Uploading the seed to Simulacra',
  training: 'Training on the seed',
  conditions: 'Reading the cleaned schema and resolving scenario conditions',
  generation: 'Generating each scenario',
  landing: 'Landing artifacts in the output bucket',
  catalog: 'Registering partitions in Glue',
  record: 'Recording the run',
  collect: 'Reading manifests and the run record',
  query: 'Querying the landed data',
};

/** The terminal as it was before any capture: progress keeps drawing here while logs are captured. */
const terminal = {
  write: process.stderr.write.bind(process.stderr),
  isTTY: process.stderr.isTTY,
};

/**
 * Sends everything written to stdout and stderr (the handlers' structured logs and library
 * warnings) to `file` until the returned function is called, so the terminal shows progress and
 * the report, and the logs stay inspectable.
 */
export function captureOutput(file: string): () => void {
  mkdirSync(dirname(file), { recursive: true });
  const log = createWriteStream(file, { flags: 'a' });
  // Bound copies: restoring them puts back working methods.
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };
  const toLog = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    return log.write(chunk, callback);
  }) as typeof process.stdout.write;
  process.stdout.write = toLog;
  process.stderr.write = toLog;
  return () => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    log.end();
  };
}

/** The training time the poll schedule is tuned for (the cost benchmark's 5 minutes). */
const REALISTIC_TRAINING_MS = 5 * 60 * 1000;

/**
 * How much faster than a deployed run the local run polls: the simulator's training time
 * stands for a realistic one, so the poll schedule is compressed by the same factor. Against
 * another API the jobs take real time, so the computed waits are kept as they are.
 */
export function pollTimeScaleFor(trainingMs: number, external: boolean): number {
  return external ? 1 : Math.max(1, REALISTIC_TRAINING_MS / trainingMs);
}

/** Runs one local pipeline run with the shared options and prints the outcome; returns the exit code. */
export async function runAndReport(
  base: Pick<LocalRunOptions, 'seedFile' | 'scenariosFile' | 'feed'>,
  values: SharedValues,
  usage: string,
): Promise<number> {
  const mode = values.mode ?? 'managed';
  let externalApi;
  let timings;
  let generationMode;
  try {
    generationMode = generationModeFrom(values);
    if (mode !== 'managed' && mode !== 'enterprise') {
      throw new UsageError(`--mode must be "managed" or "enterprise", got "${mode}"`);
    }
    externalApi = externalApiFrom(values);
    timings = {
      trainingMs: positiveInteger(values['training-ms'], 'training-ms', 400),
      generationMs: positiveInteger(values['generation-ms'], 'generation-ms', 300),
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage}`);
    return 2;
  }
  const progress = createProgress(terminal, values.plain || values.json ? { interactive: false } : {});
  const logFile = join(
    process.cwd(),
    '.local',
    'logs',
    `run-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`,
  );
  const restoreOutput = captureOutput(logFile);
  try {
    const summary = await runLocally({
      ...base,
      mode,
      ...(externalApi ? { externalApi } : {}),
      simulator: {
        autoApprove: true,
        timings,
        ...(values.faults ? { faults: values.faults } : {}),
        generationMode,
      },
      ...(values.out ? { outDir: values.out } : {}),
      ...(values.sql ? { sql: values.sql } : {}),
      pollTimeScale: pollTimeScaleFor(timings.trainingMs, Boolean(externalApi)),
      onStage: (stage, detail) => {
        progress.start(stageTitles[stage] + (detail ? ` (${detail})` : ''));
      },
    });
    restoreOutput();
    if (summary.status === 'SUCCEEDED') progress.done();
    else
      progress.fail(
        summary.error
          ? [summary.error.code, summary.error.detail].filter(Boolean).join(': ')
          : summary.status,
      );
    progress.stop();
    console.log(
      values.json
        ? JSON.stringify({ ...jsonSummary(summary), log_file: logFile }, null, 2)
        : `${textReport(summary)}\nHandler logs: ${logFile}`,
    );
    return exitCodeOf(summary.status);
  } catch (err) {
    restoreOutput();
    progress.fail((err as Error).message);
    progress.stop();
    throw err;
  }
}
