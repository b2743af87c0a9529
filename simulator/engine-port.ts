/**
 * What the server needs from the data engine (`simulator/engine/`). The engine module satisfies
 * this structurally; tests may inject another implementation through `startSimulator({ engine })`.
 * Values the server only passes along (seed table, cleaned table, model, columns) stay `unknown`
 * here; the trained model must be JSON-serialisable because the store persists it.
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { CleaningSummary, Conditions, SchemaColumn } from '../src/client/contract.ts';

/** A problem the engine found in a `conditions` object. */
export interface EngineConditionProblem {
  readonly code: 'simio_unknown_condition_column' | 'simio_invalid_field';
  readonly field: string;
  readonly message: string;
}

export interface SimulatorEngine {
  /** Throws an error named `SeedFormatError` (with `code`) for unsupported or invalid seeds. */
  readSeed(bytes: Buffer, filename: string): unknown;
  cleanSeed(
    seed: unknown,
    options?: { autoClean?: boolean },
  ):
    | { table: unknown; summary: CleaningSummary; renames: Record<string, string> }
    | Promise<{ table: unknown; summary: CleaningSummary; renames: Record<string, string> }>;
  schemaOf(table: unknown): readonly SchemaColumn[] | Promise<readonly SchemaColumn[]>;
  trainModel(table: unknown, options: { seed: number }): unknown;
  checkConditions(
    model: unknown,
    conditions: Conditions | undefined,
  ): readonly EngineConditionProblem[] | Promise<readonly EngineConditionProblem[]>;
  generate(
    model: unknown,
    request: {
      rowCount: number;
      conditions?: Conditions;
      seed: number;
      mode?: 'bootstrap' | 'perturbed' | 'copy';
    },
  ):
    | { columns: unknown; rowsGenerated: number; partial: boolean }
    | Promise<{ columns: unknown; rowsGenerated: number; partial: boolean }>;
  encodeArtifact(columns: unknown, format: 'parquet' | 'csv' | 'arrow'): Promise<Buffer>;
  encryptArtifact(
    plaintext: Buffer,
    options: { kms: KMSClient; keyId: string; encryptionContext: Record<string, string> },
  ): Promise<{ body: Buffer; wrappedDek: string; iv: string }>;
}

/** True for the engine's `SeedFormatError` (matched by name so injected engines can throw their own). */
export function isSeedFormatError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && error.name === 'SeedFormatError';
}

/** Loads the real engine from `simulator/engine/index.ts`. */
export async function loadDefaultEngine(): Promise<SimulatorEngine> {
  const engine: SimulatorEngine = await import('./engine/index.ts');
  return engine;
}
