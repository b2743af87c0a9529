/**
 * Streaming `multipart/form-data` for createDataset. The body is produced from `SeedSource.open()`
 * on every attempt (a stream cannot be replayed), with a boundary fixed per call so every attempt
 * sends identical bytes. Nothing is buffered beyond one chunk of the seed stream.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { SeedSource } from './contract.ts';
import { SimulacraInputError } from './errors.ts';

/** The vendor refuses seed files over 500 MB (413 `simio_file_too_large`); refuse them before uploading. */
export const MAX_SEED_BYTES = 500 * 1024 * 1024;

export interface MultipartField {
  readonly name: string;
  readonly value: string;
}

export interface MultipartBody {
  readonly contentType: string;
  /** Total byte length when the seed size is known (sent as Content-Length), else null (chunked). */
  readonly contentLength: number | null;
  /** Opens a fresh body stream; call once per attempt. */
  open(): AsyncIterable<Uint8Array>;
}

const encoder = new TextEncoder();

function assertHeaderSafe(field: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f"\\]/.test(value)) {
    throw new SimulacraInputError(field, 'must not contain control characters, quotes or backslashes');
  }
}

/** A boundary that cannot occur by accident in the seed bytes' part headers. */
export function newBoundary(): string {
  return `----simulacra-${randomBytes(16).toString('hex')}`;
}

/**
 * Builds the body of a multipart upload: the text fields first (in the given order), then the seed
 * file as `seed_file`. Rejects seeds over {@link MAX_SEED_BYTES} up front when the size is known,
 * and while streaming when it is not; also fails if the stream's length differs from `seed.size`.
 */
export function buildMultipartBody(
  fields: readonly MultipartField[],
  seed: SeedSource,
  boundary: string = newBoundary(),
): MultipartBody {
  assertHeaderSafe('seed.filename', seed.filename);
  assertHeaderSafe('seed.contentType', seed.contentType);
  if (seed.filename.length === 0) throw new SimulacraInputError('seed.filename', 'must not be empty');
  if (seed.size !== undefined) {
    if (!Number.isSafeInteger(seed.size) || seed.size < 0) {
      throw new SimulacraInputError('seed.size', 'must be a non-negative integer byte count');
    }
    if (seed.size > MAX_SEED_BYTES) {
      throw new SimulacraInputError(
        'seed.size',
        `${seed.size} bytes is over the vendor's 500 MB limit; split or compress the seed (e.g. Parquet)`,
      );
    }
  }
  let head = '';
  for (const field of fields) {
    assertHeaderSafe(`field ${field.name}`, field.name);
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${field.name}"\r\n\r\n${field.value}\r\n`;
  }
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="seed_file"; filename="${seed.filename}"\r\n` +
    `Content-Type: ${seed.contentType}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const contentLength =
    seed.size === undefined ? null : headBytes.byteLength + seed.size + tailBytes.byteLength;

  async function* stream(): AsyncGenerator<Uint8Array> {
    yield headBytes;
    const source: Readable = await seed.open();
    let sent = 0;
    try {
      for await (const chunk of source) {
        const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : (chunk as Uint8Array);
        sent += bytes.byteLength;
        if (sent > MAX_SEED_BYTES) {
          throw new SimulacraInputError('seed', "stream is over the vendor's 500 MB limit");
        }
        if (seed.size !== undefined && sent > seed.size) {
          throw new SimulacraInputError('seed.size', `stream is longer than the declared ${seed.size} bytes`);
        }
        yield bytes;
      }
    } finally {
      source.destroy();
    }
    if (seed.size !== undefined && sent !== seed.size) {
      throw new SimulacraInputError(
        'seed.size',
        `stream ended after ${sent} of the declared ${seed.size} bytes`,
      );
    }
    yield tailBytes;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    open: stream,
  };
}
