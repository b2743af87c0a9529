/**
 * Reading scanned CSV fields ({@link CsvRecord}) without a string per cell where possible: numbers
 * parsed from the bytes, and repeated short texts (categorical levels) decoded once per column.
 */
import { fieldText, type CsvRecord } from './csv-scan.ts';

const MAX_FAST_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Reads field `i` as a number without creating a string when it is a plain decimal with at most
 * 15 significant digits and a small exponent (exact: one correctly rounded operation). Returns
 * `null` for an empty field and `undefined` when the fast path does not apply (the caller then
 * decodes the text).
 */
export function fieldNumber(record: CsvRecord, index: number): number | null | undefined {
  const buf = record.buffer;
  const end = record.ends[index]!;
  let i = record.starts[index]!;
  if (i === end) return null;
  let negative = false;
  if (buf[i] === 0x2d || buf[i] === 0x2b) {
    negative = buf[i] === 0x2d;
    i += 1;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seenDigit = false;
  while (i < end) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      seenDigit = true;
      if (mantissa !== 0 || c !== 0x30) digits += 1;
      if (digits > MAX_FAST_DIGITS) return undefined;
      mantissa = mantissa * 10 + (c - 0x30);
      i += 1;
    } else break;
  }
  if (i < end && buf[i] === 0x2e) {
    i += 1;
    while (i < end) {
      const c = buf[i]!;
      if (c < 0x30 || c > 0x39) break;
      seenDigit = true;
      if (mantissa !== 0 || c !== 0x30) digits += 1;
      if (digits > MAX_FAST_DIGITS) return undefined;
      mantissa = mantissa * 10 + (c - 0x30);
      scale += 1;
      i += 1;
    }
  }
  if (!seenDigit || i !== end || scale >= POWERS_OF_TEN.length) return undefined;
  const value = scale === 0 ? mantissa : mantissa / POWERS_OF_TEN[scale]!;
  return negative ? -value : value;
}

/**
 * Decodes short fields through a small per-column cache keyed by their bytes, so repeated
 * categorical levels cost no allocation. Lookup is by a hash of the bytes (one pass in JS, no
 * native call per entry). A high-cardinality column (ids, amounts read as text) fills the cache
 * and then keeps missing: after a few times the capacity in misses, its fields are decoded
 * directly without the lookup.
 */
export class FieldTextCache {
  private readonly byHash = new Map<number, Array<{ bytes: Buffer; text: string }>>();
  private size = 0;
  /** Misses since the cache filled up; past a few times its capacity the column is high-cardinality. */
  private missesWhenFull = 0;
  constructor(private readonly capacity = 256) {}

  text(record: CsvRecord, index: number): string {
    const start = record.starts[index]!;
    const end = record.ends[index]!;
    const length = end - start;
    if (length > MAX_CACHED_FIELD_BYTES || this.missesWhenFull > 4 * this.capacity) {
      return fieldText(record, index);
    }
    const buf = record.buffer;
    let hash = 0x811c9dc5 ^ length;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const bucket = this.byHash.get(hash);
    if (bucket) {
      for (const entry of bucket) {
        if (entry.bytes.length === length && sameBytes(entry.bytes, buf, start)) return entry.text;
      }
    }
    const text = fieldText(record, index);
    if (this.size < this.capacity) {
      const entry = { bytes: Buffer.from(buf.subarray(start, end)), text };
      if (bucket) bucket.push(entry);
      else this.byHash.set(hash, [entry]);
      this.size += 1;
    } else this.missesWhenFull += 1;
    return text;
  }
}

/** Fields longer than this are decoded every time (free text rarely repeats). */
const MAX_CACHED_FIELD_BYTES = 64;

function sameBytes(cached: Buffer, buf: Uint8Array, start: number): boolean {
  for (let i = 0; i < cached.length; i++) if (cached[i] !== buf[start + i]) return false;
  return true;
}
