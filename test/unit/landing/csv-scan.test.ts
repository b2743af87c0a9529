import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { FieldTextCache } from '../../../src/landing/csv-fields.ts';
import { CsvSyntaxError, fieldText, scanCsv, type CsvRecord } from '../../../src/landing/csv-scan.ts';

/** Scans `text`, reading at most `size` bytes per read into a scan buffer of `bufferBytes`. */
async function records(text: string | Buffer, size = 1 << 20, bufferBytes?: number): Promise<string[][]> {
  const out: string[][] = [];
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  let position = 0;
  const read = (into: Buffer, offset: number, length: number): Promise<number> => {
    const n = Math.min(size, length, bytes.length - position);
    bytes.copy(into, offset, position, position + n);
    position += n;
    return Promise.resolve(n);
  };
  await scanCsv(
    read,
    (r) => out.push(Array.from({ length: r.count }, (_, i) => fieldText(r, i))),
    bufferBytes,
  );
  return out;
}

const tricky =
  '\uFEFFid,name,note\r\n' +
  '1,"Smith, J.","said ""hi""\nthen left"\r\n' +
  '\n' +
  '2,,""\n' +
  '3,ümlaut,"x"\n' +
  '4,last,no newline at end';

describe('scanCsv', () => {
  it('agrees with csv-parse on quotes, escapes, embedded newlines, CRLF, BOM and blank lines', async () => {
    const unix = tricky.replaceAll('\r\n', '\n');
    const expected: string[][] = parse(unix, { bom: true, skip_empty_lines: true });
    expect(await records(unix)).toEqual(expected);
    // CRLF record ends give the same records
    expect(await records(tricky)).toEqual(expected);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const expected = await records(tricky);
    for (let size = 1; size <= 12; size += 1) {
      expect(await records(tricky, size)).toEqual(expected);
    }
  });

  it('grows its buffer for a record larger than the buffer', async () => {
    const expected = await records(tricky);
    expect(await records(tricky, 3, 4)).toEqual(expected);
  });

  it('agrees with csv-parse when quoted records sit among many plain ones, whatever the chunks', async () => {
    // Plain records take the quote-free fast path up to the next quote; quoted ones the full parser.
    const lines = ['id,text,n'];
    for (let i = 0; i < 300; i++) {
      const text = i % 37 === 0 ? `"q ""${i}"",\nx"` : i % 11 === 0 ? '""' : `t${i}`;
      lines.push(`${i},${text},${i * 3}${i % 5 === 0 ? '\r' : ''}`);
    }
    const csv = `${lines.join('\n')}\n`;
    const expected: string[][] = parse(csv, { skip_empty_lines: true, relax_column_count: true }).map(
      (r: string[]) => r.map((f) => f.replace(/\r$/, '')),
    );
    for (const size of [1, 7, 64, 1 << 20]) expect(await records(csv, size, 128)).toEqual(expected);
  });

  it('keeps a trailing empty field', async () => {
    expect(await records('a,b\n1,\n2,')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['2', ''],
    ]);
  });

  it('rejects text after a closing quote and an unterminated quote', async () => {
    await expect(records('a\n"x"y\n')).rejects.toBeInstanceOf(CsvSyntaxError);
    await expect(records('a\n"never closed\n')).rejects.toThrow(/unterminated/);
  });
});

/** One-field records over `values`, as the scanner hands them (a shared buffer, byte offsets). */
function fieldRecords(values: readonly string[]): CsvRecord[] {
  const buffer = Buffer.from(values.join(''));
  let offset = 0;
  return values.map((value) => {
    const length = Buffer.byteLength(value);
    const record: CsvRecord = {
      buffer,
      count: 1,
      starts: Int32Array.of(offset),
      ends: Int32Array.of(offset + length),
      quoted: Uint8Array.of(0),
    };
    offset += length;
    return record;
  });
}

describe('FieldTextCache', () => {
  it('returns the decoded text of every field: cached, past its capacity, once it stops looking up, and long', () => {
    const values = [
      ...Array.from({ length: 100 }, (_, i) => `id${i}`),
      'Premium',
      'ümlaut',
      'x'.repeat(65),
      ...Array.from({ length: 100 }, (_, i) => `id${i}`),
      'Premium',
      'ümlaut',
      'x'.repeat(65),
      '',
    ];
    const cache = new FieldTextCache(16);
    expect(fieldRecords(values).map((r) => cache.text(r, 0))).toEqual(values);
  });

  it('hands back the same string for a repeated level (no new allocation per row)', () => {
    const cache = new FieldTextCache();
    const [a, b] = fieldRecords(['North', 'North']);
    expect(Object.is(cache.text(a!, 0), cache.text(b!, 0))).toBe(true);
  });

  it('tells apart fields of equal length and equal hash bucket by their bytes', () => {
    // 2000 distinct same-length values: many share a bucket of a 32-bit hash only by chance,
    // and every one must come back as itself.
    const values = Array.from({ length: 2000 }, (_, i) => `v${String(i).padStart(5, '0')}`);
    const cache = new FieldTextCache(4096);
    const records = fieldRecords([...values, ...values]);
    expect(records.map((r) => cache.text(r, 0))).toEqual([...values, ...values]);
  });
});
