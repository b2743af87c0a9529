/**
 * A small, fast RFC 4180 scanner used to inspect landed CSV files: it finds record and field
 * boundaries in raw bytes (quotes, `""` escapes, embedded newlines, CRLF, a leading BOM, blank
 * lines skipped) and hands each record to the caller as offsets, so the caller decodes only the
 * fields it needs. Memory: one reusable buffer (grown only for a record larger than it).
 */
import type { FileHandle } from 'node:fs/promises';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
/** 1 for the bytes that end an unquoted field. */
const ENDS_UNQUOTED_FIELD = new Uint8Array(256);
for (const c of [COMMA, LF, CR]) ENDS_UNQUOTED_FIELD[c] = 1;

/** Field boundaries of one record: for field `i`, `starts[i]`..`ends[i]` in `buffer`. */
export interface CsvRecord {
  readonly buffer: Buffer;
  readonly count: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** 1 when the field was quoted (its bytes exclude the quotes; `""` still needs unescaping). */
  readonly quoted: Uint8Array;
}

/** Malformed CSV (e.g. text after a closing quote, an unterminated quote). */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
}

/** Decodes field `i` of `record` as UTF-8, unescaping `""` in quoted fields. */
export function fieldText(record: CsvRecord, i: number): string {
  const text = record.buffer.toString('utf8', record.starts[i], record.ends[i]);
  return record.quoted[i] === 1 && text.includes('"') ? text.replaceAll('""', '"') : text;
}

/** Decodes field `i` as Latin-1 (fast; enough to classify ASCII numbers and keywords). */
export function fieldLatin1(record: CsvRecord, i: number): string {
  return record.buffer.toString('latin1', record.starts[i], record.ends[i]);
}

/** Byte length of field `i`. */
export function fieldLength(record: CsvRecord, i: number): number {
  return record.ends[i]! - record.starts[i]!;
}

class RecordBuilder implements CsvRecord {
  buffer: Buffer = Buffer.alloc(0);
  count = 0;
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  quoted = new Uint8Array(64);

  push(start: number, end: number, quoted: boolean): void {
    if (this.count === this.starts.length) {
      const size = this.starts.length * 2;
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(size);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.ends = grow(this.ends, (n) => new Int32Array(n));
      this.quoted = grow(this.quoted, (n) => new Uint8Array(n));
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.quoted[this.count] = quoted ? 1 : 0;
    this.count += 1;
  }
}

/**
 * Scans the record at `recordStart` when no quote comes before `limit` (the next quote in `buf`):
 * one comparison per byte for most bytes (every byte above `,` is field content). Returns the
 * offset after the record's line break (or after `buf` with `final`), `NEEDS_MORE` when `buf`
 * ends first, or `SLOW_PATH` when the record reaches `limit` (the caller then scans it with
 * {@link scanRecord}, which handles quotes).
 */
function scanPlainRecord(
  buf: Buffer,
  recordStart: number,
  limit: number,
  final: boolean,
  record: RecordBuilder,
): number {
  const length = buf.length;
  let fieldStart = recordStart;
  for (let i = recordStart; i < limit; i += 1) {
    const c = buf[i]!;
    if (c > COMMA) continue;
    if (c === COMMA) {
      record.push(fieldStart, i, false);
      fieldStart = i + 1;
    } else if (c === LF) {
      record.push(fieldStart, i, false);
      return i + 1;
    } else if (c === CR) {
      if (i + 1 >= length && !final) return NEEDS_MORE;
      record.push(fieldStart, i, false);
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
  }
  if (limit < length) return SLOW_PATH;
  if (!final) return NEEDS_MORE;
  record.push(fieldStart, length, false);
  return length;
}

const NEEDS_MORE = -1;
const SLOW_PATH = -2;

/** Scans the record at `recordStart`, quotes included; returns as {@link scanPlainRecord} does (never `SLOW_PATH`). */
function scanRecord(buf: Buffer, recordStart: number, final: boolean, record: RecordBuilder): number {
  const length = buf.length;
  let i = recordStart;
  for (;;) {
    // one field
    let start = i;
    let end: number;
    let quoted = false;
    if (i < length && buf[i] === QUOTE) {
      quoted = true;
      start = i + 1;
      let j = start;
      for (;;) {
        j = buf.indexOf(QUOTE, j);
        if (j === -1 || j + 1 > length) {
          if (final) throw new CsvSyntaxError('unterminated quoted field at end of file');
          return NEEDS_MORE;
        }
        if (j + 1 === length && !final) return NEEDS_MORE; // cannot tell "" from the closing quote yet
        if (buf[j + 1] === QUOTE) {
          j += 2;
          continue;
        }
        break;
      }
      end = j;
      i = j + 1;
      if (i < length && buf[i] !== COMMA && buf[i] !== LF && buf[i] !== CR) {
        throw new CsvSyntaxError(`unexpected character after a closing quote at byte ${i}`);
      }
    } else {
      while (i < length && ENDS_UNQUOTED_FIELD[buf[i]!] === 0) i += 1;
      end = i;
    }
    record.push(start, end, quoted);
    if (i >= length) {
      if (!final) return NEEDS_MORE;
      return length;
    }
    const c = buf[i];
    if (c === COMMA) {
      i += 1;
      if (i >= length && final) {
        record.push(i, i, false);
        return length;
      }
      continue;
    }
    if (c === CR) {
      if (i + 1 >= length && !final) return NEEDS_MORE;
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
    return i + 1;
  }
}

/**
 * Parses records from `buf` starting at 0. Returns the offset of the first record that is not
 * complete (=== buf.length when all were), calling `onRecord` for each complete non-blank record.
 * With `final`, the end of `buf` terminates the last record. Records before the next quote take
 * the quote-free fast path; the quote position is found natively (`indexOf`), once per quote.
 */
function scanBuffer(
  buf: Buffer,
  final: boolean,
  record: RecordBuilder,
  onRecord: (r: CsvRecord) => void,
): number {
  const length = buf.length;
  let recordStart = 0;
  let nextQuote = -1;
  record.buffer = buf;
  while (recordStart < length) {
    if (nextQuote < recordStart) {
      nextQuote = buf.indexOf(QUOTE, recordStart);
      if (nextQuote === -1) nextQuote = length;
    }
    record.count = 0;
    let next = scanPlainRecord(buf, recordStart, nextQuote, final, record);
    if (next === SLOW_PATH) {
      record.count = 0;
      next = scanRecord(buf, recordStart, final, record);
    }
    if (next === NEEDS_MORE) return recordStart;
    const blank = record.count === 1 && record.ends[0] === record.starts[0] && record.quoted[0] === 0;
    if (!blank) onRecord(record);
    recordStart = next;
  }
  return recordStart;
}

/** Fills `into[offset..offset+length)` with the next bytes; resolves the count (0 at the end). */
export type CsvByteReader = (into: Buffer, offset: number, length: number) => Promise<number>;

/** Initial size of the scan buffer; it doubles when one record does not fit. */
export const CSV_SCAN_BUFFER_BYTES = 1024 * 1024;

/**
 * Scans CSV bytes pushed in chunks of any size, calling `onRecord` for every non-blank record
 * (the header included). One buffer is reused for the whole input: the bytes of an unfinished
 * record are moved to its front before more are copied in, so scanning creates no per-chunk
 * garbage, and memory stays at the buffer size unless one record is larger. The record object
 * and its buffer are only valid during the call.
 */
export class CsvScanner {
  private readonly record = new RecordBuilder();
  private buffer: Buffer;
  private used = 0;
  private start = 0;
  private first = true;
  private ended = false;

  constructor(
    private readonly onRecord: (record: CsvRecord) => void,
    bufferBytes = CSV_SCAN_BUFFER_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(bufferBytes);
  }

  /** Scans the complete records `chunk` finishes; the rest waits for the next chunk or {@link end}. */
  push(chunk: Uint8Array): void {
    if (this.ended) throw new Error('the CSV scanner has ended');
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (this.used === this.buffer.length) {
        // Still full after compaction: one record is larger than the buffer.
        const bigger = Buffer.allocUnsafeSlow(this.buffer.length * 2);
        this.buffer.copy(bigger, 0, 0, this.used);
        this.buffer = bigger;
      }
      const n = Math.min(chunk.byteLength - offset, this.buffer.length - this.used);
      this.buffer.set(chunk.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
      this.scan(false);
    }
  }

  /** Ends the input: the last record needs no line break. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.scan(true);
  }

  private scan(final: boolean): void {
    const { buffer } = this;
    if (this.first && (this.used >= 3 || final)) {
      if (this.used >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) this.start = 3;
      this.first = false;
    }
    if (this.first) return;
    const view = buffer.subarray(this.start, this.used);
    if (final) {
      if (view.length > 0) scanBuffer(view, true, this.record, this.onRecord);
      this.used = 0;
      return;
    }
    const done = scanBuffer(view, false, this.record, this.onRecord);
    // Keep the unfinished record at the front of the buffer.
    buffer.copy(buffer, 0, this.start + done, this.used);
    this.used -= this.start + done;
    this.start = 0;
  }
}

/** {@link CsvScanner} over bytes pulled from `read` until it returns 0. */
export async function scanCsv(
  read: CsvByteReader,
  onRecord: (record: CsvRecord) => void,
  bufferBytes = CSV_SCAN_BUFFER_BYTES,
): Promise<void> {
  const scanner = new CsvScanner(onRecord, bufferBytes);
  const chunk = Buffer.allocUnsafeSlow(bufferBytes);
  for (;;) {
    const n = await read(chunk, 0, chunk.length);
    if (n === 0) break;
    scanner.push(chunk.subarray(0, n));
  }
  scanner.end();
}

/** A {@link CsvByteReader} over an open file, reading sequentially. */
export function fileByteReader(file: FileHandle): CsvByteReader {
  let position = 0;
  return async (into, offset, length) => {
    const { bytesRead } = await file.read(into, offset, length, position);
    position += bytesRead;
    return bytesRead;
  };
}
