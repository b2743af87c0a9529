/**
 * What the landing computes over every plaintext byte while it streams: the SHA-256 recorded in
 * the manifest and, for CSV, the row count, schema and conformance statistics. It runs either on
 * the landing's own thread ({@link inlineStreamScan}) or in a worker thread
 * (`scan-worker.ts`), so that with a second vCPU the scan does not slow the download and upload.
 */
import { createHash } from 'node:crypto';
import type { Conditions } from '../client/contract.ts';
import { createConformanceAccumulator } from '../conditions/conformance.ts';
import type { ConformanceReport, RowCounts } from '../conditions/conformance-report.ts';
import { parseClamps } from '../conditions/numeric-range.ts';
import { combineVisitors } from './batch-visitors.ts';
import { streamingInspection } from './csv-inspect.ts';
import type { ArtifactInspection, BatchVisitor } from './inspection.ts';
import type { LandedFormat } from './layout.ts';

/** Everything a scan needs, all of it serialisable (it is handed to the worker as is). */
export interface StreamScanSetup {
  readonly format: LandedFormat;
  readonly generationId: string;
  readonly conditions?: Conditions | null | undefined;
  readonly clamps?: unknown;
  readonly tolerance?: number | undefined;
}

export interface StreamScanResult {
  readonly sha256: string;
  /** Row count and schema of a CSV artifact; null for formats inspected after the stream. */
  readonly inspected: ArtifactInspection | null;
  /** Conformance of a CSV artifact with the requested conditions (null without conditions). */
  readonly conformance: ConformanceReport | null;
}

export interface StreamScan {
  /** Sees the next plaintext chunk; resolves when the scan can take more (backpressure). */
  write(chunk: Buffer): Promise<void> | void;
  /**
   * The result once every chunk was written. Throws the CSV format error if the bytes were not
   * readable CSV (`ArtifactFormatError`).
   */
  finish(counts: RowCounts): Promise<StreamScanResult>;
  /** Releases the scan after a failure (idempotent). */
  destroy(): void;
}

/**
 * The scan state itself, shared by both variants. `extraVisitor` (e.g. a content check's) also
 * sees the CSV's column batches; it is not serialisable, so only the inline scan takes one.
 */
export function createScanCore(
  setup: StreamScanSetup,
  extraVisitor?: BatchVisitor,
): {
  write(chunk: Uint8Array): void;
  finish(counts: RowCounts): StreamScanResult;
} {
  const hash = createHash('sha256');
  const conditions = setup.format === 'csv' ? setup.conditions : null;
  const accumulator = conditions
    ? createConformanceAccumulator(conditions, {
        clamps: parseClamps(setup.clamps),
        ...(setup.tolerance === undefined ? {} : { tolerance: setup.tolerance }),
      })
    : null;
  const active = accumulator && accumulator.columns.length > 0 ? accumulator : null;
  const inspection = streamingInspection({
    format: setup.format,
    generationId: setup.generationId,
    visitor: combineVisitors(
      active
        ? {
            columns: active.columns,
            numericColumns: new Set(Object.keys(conditions?.numeric ?? {})),
            visitBatch: (columns, rowCount) => active.addColumnBatch(columns, rowCount),
          }
        : undefined,
      extraVisitor,
    ),
  });
  return {
    write(chunk) {
      hash.update(chunk);
      inspection?.write(chunk);
    },
    finish(counts) {
      const inspected = inspection ? inspection.finish() : null;
      return {
        sha256: hash.digest('hex'),
        inspected,
        conformance: inspected && active ? active.report(counts) : null,
      };
    },
  };
}

/** The scan on the calling thread (with `extraVisitor`, see {@link createScanCore}). */
export function inlineStreamScan(setup: StreamScanSetup, extraVisitor?: BatchVisitor): StreamScan {
  const core = createScanCore(setup, extraVisitor);
  return {
    write: (chunk) => core.write(chunk),
    finish: (counts) => Promise.resolve().then(() => core.finish(counts)),
    destroy: () => undefined,
  };
}
