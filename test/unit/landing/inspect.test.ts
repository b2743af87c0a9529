import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvTypeInference } from '../../../src/landing/columns.ts';
import { ArtifactFormatError } from '../../../src/landing/errors.ts';
import { inspectArtifact, streamingInspection } from '../../../src/landing/inspect.ts';
import type { LandedFormat } from '../../../src/landing/layout.ts';
import { arrowBytes, csvBytes, parquetBytes } from './fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inspect-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function inspect(format: LandedFormat, bytes: Buffer, columns: string[] = []) {
  const path = join(dir, `${format}-${Math.random()}`);
  await writeFile(path, bytes);
  const rows: Record<string, unknown>[] = [];
  const result = await inspectArtifact({
    path,
    format,
    generationId: 'gen_1',
    visitor: {
      columns,
      numericColumns: new Set(['spend']),
      visitBatch: (batch, rowCount) => {
        for (let i = 0; i < rowCount; i += 1) {
          const row: Record<string, unknown> = {};
          for (const [name, values] of Object.entries(batch))
            row[name] = [...(values as Iterable<unknown>)][i];
          rows.push(row);
        }
      },
    },
  });
  return { ...result, visited: rows };
}

describe('inspectArtifact', () => {
  it('hands a visitor that welcomes numbers every numeric cell as a number, other cells as text', async () => {
    const path = join(dir, `welcome-${Math.random()}.csv`);
    await writeFile(path, 'id,code,note\n1,007,a b\n2,NA, 3\n3,-0,x\n');
    const seen: unknown[][] = [];
    await inspectArtifact({
      path,
      format: 'csv',
      generationId: 'gen_1',
      visitor: {
        columns: ['id', 'code', 'note'],
        numbersWelcome: true,
        visitBatch: (batch, rowCount) => {
          for (let i = 0; i < rowCount; i++) {
            seen.push(['id', 'code', 'note'].map((c) => (batch[c] as unknown[])[i]));
          }
        },
      },
    });
    expect(seen).toEqual([
      [1, 7, 'a b'],
      [2, null, ' 3'],
      [3, -0, 'x'],
    ]);
  });

  it('counts CSV rows (header excluded), infers types and streams the requested columns', async () => {
    const out = await inspect('csv', csvBytes(5), ['segment', 'absent']);
    expect(out.rows).toBe(5);
    expect(out.columns).toEqual([
      { name: 'id', type: 'bigint', hasNulls: false },
      { name: 'segment', type: 'string', hasNulls: false },
      { name: 'spend', type: 'double', hasNulls: false },
    ]);
    expect(out.visited).toEqual([
      { segment: 'a' },
      { segment: 'b' },
      { segment: 'a' },
      { segment: 'b' },
      { segment: 'a' },
    ]);
  });

  it('hands numeric CSV columns over as numbers, keeping text that is not a number', async () => {
    const out = await inspect('csv', Buffer.from('spend,segment\n1.5,a\n-2,b\nNA,a\n,b\n1e3,a\nabc,b\n'), [
      'spend',
    ]);
    expect(out.visited.map((r) => r.spend)).toEqual([1.5, -2, null, null, '1e3', 'abc']);
  });

  it('counts multi-line quoted CSV records once', async () => {
    const out = await inspect('csv', Buffer.from('a,b\n"x\ny",1\nz,2\n'));
    expect(out.rows).toBe(2);
  });

  it('reads the Parquet footer for rows and schema, and slices the requested columns', async () => {
    const out = await inspect('parquet', parquetBytes(1234), ['spend']);
    expect(out.rows).toBe(1234);
    expect(out.columns).toEqual([
      { name: 'id', type: 'int' },
      { name: 'segment', type: 'string' },
      { name: 'spend', type: 'double' },
    ]);
    expect(out.visited).toHaveLength(1234);
    expect(out.visited[1]).toEqual({ spend: 3 });
  });

  it('reads Arrow IPC batches for rows and schema', async () => {
    const out = await inspect('arrow', arrowBytes(321), ['segment']);
    expect(out.rows).toBe(321);
    expect(out.columns).toEqual([
      { name: 'id', type: 'int' },
      { name: 'segment', type: 'string' },
      { name: 'spend', type: 'double' },
    ]);
    expect(out.visited[0]).toEqual({ segment: 'a' });
  });

  it.each(['parquet', 'arrow', 'csv'] as const)(
    'raises ArtifactFormatError for bytes that are not %s',
    async (format) => {
      const bytes = format === 'csv' ? Buffer.alloc(0) : Buffer.from('definitely not a columnar file at all');
      await expect(inspect(format, bytes)).rejects.toBeInstanceOf(ArtifactFormatError);
    },
  );
});

describe('CsvTypeInference', () => {
  it('widens bigint to double, anything mixed to string, and flags empty cells', () => {
    const inference = new CsvTypeInference(['i', 'd', 'b', 's', 'n', 'e']);
    inference.observe(['1', '1', 'TRUE', 'x', '', '']);
    inference.observe(['2', '2.5', 'FALSE', '3', 'NA', '']);
    inference.observe(['', '1e3', 'true', 'y', '4', '']);
    expect(inference.columns()).toEqual([
      { name: 'i', type: 'bigint', hasNulls: true },
      { name: 'd', type: 'double', hasNulls: false },
      { name: 'b', type: 'boolean', hasNulls: false },
      { name: 's', type: 'string', hasNulls: false },
      { name: 'n', type: 'bigint', hasNulls: true },
      { name: 'e', type: 'string', hasNulls: true },
    ]);
  });
});

describe('streamingInspection', () => {
  const feed = (bytes: Buffer, chunk: number) => {
    const inspection = streamingInspection({ format: 'csv', generationId: 'gen_1' });
    if (!inspection) throw new Error('CSV should stream');
    for (let i = 0; i < bytes.byteLength; i += chunk) inspection.write(bytes.subarray(i, i + chunk));
    return inspection;
  };

  it('agrees with reading the file back, whatever the chunk boundaries', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      csvBytes(500),
      Buffer.from('501,"x\ny",NA'),
    ]);
    const fromFile = await inspect('csv', bytes);
    for (const chunk of [1, 2, 7, 4096]) {
      const streamed = feed(bytes, chunk).finish();
      expect(streamed).toEqual({ rows: fromFile.rows, columns: fromFile.columns });
    }
    expect(fromFile.rows).toBe(501);
  });

  it('keeps a format error for finish, so the stream itself runs to its end', () => {
    const inspection = feed(Buffer.from('a,b\n1,2\n3,4,5\n6,7\n'), 3);
    expect(() => inspection.finish()).toThrow(ArtifactFormatError);
    expect(() => feed(Buffer.alloc(0), 1).finish()).toThrow(/no header row/);
  });

  it('leaves Parquet and Arrow to the spool file (metadata at the end)', () => {
    expect(streamingInspection({ format: 'parquet', generationId: 'g' })).toBeNull();
    expect(streamingInspection({ format: 'arrow', generationId: 'g' })).toBeNull();
  });
});
