/**
 * Request body reading: a size-limited buffer reader, JSON and form parsing, and a
 * multipart/form-data parser (RFC 7578) for the dataset upload.
 */
import type { IncomingMessage } from 'node:http';
import { ProblemError, invalidField } from './problems.ts';

/** Thrown when a body is larger than allowed; the caller maps it to its own 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body exceeds ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads the whole body into memory, up to `limit` bytes. Beyond the limit the rest is drained
 * (so the client can read the error response) and {@link BodyTooLargeError} is thrown.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > limit;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (tooLarge) continue;
    size += chunk.length;
    if (size > limit) {
      tooLarge = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
  }
  if (tooLarge) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks);
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Parses a JSON object body, or an `application/x-www-form-urlencoded` one when `allowForm`.
 * An empty or non-JSON body gives the vendor's "400 request body is empty".
 */
export function parseObjectBody(
  req: IncomingMessage,
  body: Buffer,
  options: { allowForm?: boolean; optional?: boolean } = {},
): Record<string, unknown> {
  const type = mediaType(req);
  if (options.allowForm && type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  if (body.length === 0 || type !== 'application/json') {
    if (options.optional && body.length === 0) return {};
    throw invalidField('request body is empty: send a JSON object with Content-Type: application/json.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidField('request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidField('request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** One part of a multipart body. */
export interface MultipartPart {
  readonly name: string;
  readonly filename: string | null;
  readonly contentType: string | null;
  readonly data: Buffer;
}

/** Parses a multipart/form-data body; throws a 400 problem naming what is malformed. */
export function parseMultipart(contentType: string, body: Buffer): MultipartPart[] {
  const boundaryMatch = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!boundary)
    throw new ProblemError(400, 'simio_invalid_field', 'multipart/form-data body has no boundary parameter.');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw invalidField('multipart/form-data body has no parts.');
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw invalidField('multipart/form-data part has no header terminator.');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw invalidField('multipart/form-data body is missing its closing boundary.');
    let name: string | null = null;
    let filename: string | null = null;
    let partType: string | null = null;
    for (const line of headers) {
      const [key = '', ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (key.trim().toLowerCase() === 'content-disposition') {
        name = /\bname="([^"]*)"/i.exec(value)?.[1] ?? null;
        filename = /\bfilename="([^"]*)"/i.exec(value)?.[1] ?? null;
      } else if (key.trim().toLowerCase() === 'content-type') {
        partType = value;
      }
    }
    if (name === null) throw invalidField('multipart/form-data part without a name in Content-Disposition.');
    parts.push({ name, filename, contentType: partType, data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
  return parts;
}
