/**
 * The landing's stream scan (SHA-256, CSV row count, schema and conformance) in a worker thread,
 * so it runs on the second vCPU while the landing thread downloads, decrypts and uploads.
 *
 * The worker runs this same module: in a bundle `import.meta.url` is the function's bundle, from
 * source it is this file. Plaintext goes over in {@link BATCH_BYTES} batches (one copy, then
 * transferred, not cloned, and transferred back for reuse once scanned); at most
 * {@link MAX_PENDING_BYTES} wait in the worker before `write` makes the stream wait, so memory
 * stays bounded whatever the artifact size.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RowCounts } from '../conditions/conformance-report.ts';
import { ArtifactFormatError } from './errors.ts';
import {
  createScanCore,
  type StreamScan,
  type StreamScanResult,
  type StreamScanSetup,
} from './stream-scan.ts';

const ROLE = 'simulacra-landing-stream-scan';
/** Plaintext bytes per message to the worker. */
export const BATCH_BYTES = 1024 * 1024;
/** Bytes posted but not yet scanned before `write` waits (4 batches: the worker never starves). */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/**
 * The worker's young generation: the scan allocates little per batch, so a small one costs no
 * time and keeps the worker's share of peak RSS down (the landing stays under 256 MiB at 1 GB).
 */
const WORKER_YOUNG_GENERATION_MB = 8;

type ToWorker = { readonly batch: Uint8Array } | { readonly end: RowCounts };
/** `ack` hands the scanned batch back (transferred), for the next batch to reuse. */
type FromWorker =
  | { readonly ack: number; readonly batch: Uint8Array }
  | { readonly result: StreamScanResult }
  | { readonly error: SerializedError };

interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly generationId?: string;
  readonly format?: string;
}

function serialize(err: unknown): SerializedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const fields = err as Partial<ArtifactFormatError>;
  return {
    name: err.name,
    message: err.message,
    stack: err.stack,
    ...(typeof fields.generationId === 'string' ? { generationId: fields.generationId } : {}),
    ...(typeof fields.format === 'string' ? { format: fields.format } : {}),
  };
}

/** The worker's error as the class the landing maps (`ArtifactFormatError`), else a plain Error. */
function revive(error: SerializedError): Error {
  const proto = error.name === 'ArtifactFormatError' ? ArtifactFormatError.prototype : Error.prototype;
  const revived = Object.create(proto) as Error & Record<string, unknown>;
  Object.defineProperties(revived, {
    message: { value: error.message, writable: true, configurable: true },
    stack: { value: error.stack, writable: true, configurable: true },
  });
  if (error.name !== 'ArtifactFormatError') revived.name = error.name;
  if (error.generationId !== undefined) Object.assign(revived, { generationId: error.generationId });
  if (error.format !== undefined) Object.assign(revived, { format: error.format });
  return revived;
}

function serveScan(setup: StreamScanSetup): void {
  const port = parentPort!;
  let core: ReturnType<typeof createScanCore>;
  try {
    core = createScanCore(setup);
  } catch (err) {
    port.postMessage({ error: serialize(err) } satisfies FromWorker);
    return;
  }
  port.on('message', (message: ToWorker) => {
    try {
      if ('batch' in message) {
        core.write(message.batch);
        const batch = message.batch;
        port.postMessage({ ack: batch.byteLength, batch } satisfies FromWorker, [
          batch.buffer as ArrayBuffer,
        ]);
      } else {
        port.postMessage({ result: core.finish(message.end) } satisfies FromWorker);
      }
    } catch (err) {
      port.postMessage({ error: serialize(err) } satisfies FromWorker);
    }
  });
}

const data = workerData as { role?: unknown; setup?: StreamScanSetup } | null;
if (!isMainThread && data?.role === ROLE && data.setup) serveScan(data.setup);

/**
 * Loads TypeScript in the worker when running from source (tests, local runs). tsx is resolved
 * from this module, not from the working directory: the CLI registers tsx in-process (so
 * `execArgv` names no loader) and may run anywhere.
 */
function workerExecArgv(url: URL): string[] | undefined {
  if (!url.pathname.endsWith('.ts')) return undefined;
  const hasTsx = process.execArgv.some((arg) => arg.includes('tsx'));
  return hasTsx ? undefined : [...process.execArgv, '--import', import.meta.resolve('tsx')];
}

/** A {@link StreamScan} that runs in a new worker thread (ended by `finish` or `destroy`). */
export function workerStreamScan(setup: StreamScanSetup): StreamScan {
  const url = new URL(import.meta.url);
  const execArgv = workerExecArgv(url);
  const worker = new Worker(url, {
    workerData: { role: ROLE, setup },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    ...(execArgv ? { execArgv } : {}),
  });
  // Batches come back with their ack and are reused: at most MAX_PENDING_BYTES / BATCH_BYTES + 2
  // exist, and none is left for the garbage collector.
  const free: Array<Buffer<ArrayBuffer>> = [];
  const takeBatch = (): Buffer<ArrayBuffer> => free.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
  let batch = takeBatch();
  let filled = 0;
  let pending = 0;
  let failure: Error | null = null;
  let drained: (() => void) | null = null;
  let settle: { resolve: (r: StreamScanResult) => void; reject: (e: Error) => void } | null = null;
  let ended = false;

  const fail = (err: Error): void => {
    failure ??= err;
    drained?.();
    settle?.reject(failure);
    settle = null;
  };
  worker.on('message', (message: FromWorker) => {
    if ('ack' in message) {
      pending -= message.ack;
      const back = message.batch;
      if (back.byteLength === BATCH_BYTES)
        free.push(Buffer.from(back.buffer as ArrayBuffer, back.byteOffset, BATCH_BYTES));
      if (pending <= MAX_PENDING_BYTES) drained?.();
    } else if ('result' in message) {
      ended = true;
      settle?.resolve(message.result);
      settle = null;
      void worker.terminate();
    } else {
      fail(revive(message.error));
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!ended) fail(new Error(`the landing scan worker stopped (exit code ${code})`));
  });
  // Not unref'd: while a scan runs, the worker is what the landing waits for. `finish` and
  // `destroy` (in the landing's `finally`) end it.

  const post = (): void => {
    if (filled === 0) return;
    const full = filled === batch.byteLength ? batch : batch.subarray(0, filled);
    const view = new Uint8Array(full.buffer, full.byteOffset, full.byteLength);
    worker.postMessage({ batch: view } satisfies ToWorker, [view.buffer]);
    pending += filled;
    batch = takeBatch();
    filled = 0;
  };

  const currentFailure = (): Error | null => failure;
  const waitForWorker = (): Promise<void> =>
    new Promise<void>((resolve) => {
      drained = () => {
        drained = null;
        resolve();
      };
    });

  return {
    async write(chunk) {
      if (failure) throw failure;
      let offset = 0;
      while (offset < chunk.byteLength) {
        const n = Math.min(chunk.byteLength - offset, BATCH_BYTES - filled);
        chunk.copy(batch, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === BATCH_BYTES) post();
      }
      if (pending > MAX_PENDING_BYTES) await waitForWorker();
      // The worker may have failed while this write waited.
      const late = currentFailure();
      if (late) throw late;
    },
    finish(counts) {
      if (failure) return Promise.reject(failure);
      post();
      return new Promise<StreamScanResult>((resolve, reject) => {
        settle = { resolve, reject };
        worker.postMessage({ end: counts } satisfies ToWorker);
      });
    },
    destroy() {
      ended = true;
      void worker.terminate();
    },
  };
}
