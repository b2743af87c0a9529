import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { queryLake, sqlIdentifier } from '../../../src/local/lake-query.ts';

function land(root: string, scenario: string, file: string, bytes: Uint8Array | string): void {
  const dir = join(root, 'synthetic', 'feed=quickstart', `scenario=${scenario}`, 'dt=2026-11-24');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, file), bytes);
}

describe('queryLake', () => {
  it('queries Parquet and CSV partitions of a feed as one Hive-partitioned view', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lake-'));
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'segment', data: ['Premium', 'Premium', 'Value'], type: 'STRING' },
        { name: 'purchase.intent', data: [80, 90, 70], type: 'DOUBLE' },
      ],
    });
    land(root, 'premium-heavy', 'gen_1.parquet', new Uint8Array(parquet));
    land(root, 'online-young', 'gen_2.csv', 'segment,purchase.intent\nValue,10\nMainstream,20\n');
    land(root, 'arrow-only', 'gen_3.arrow', 'not queryable');

    const rows = await queryLake(
      root,
      `SELECT scenario, count(*)::INTEGER AS n, max(${sqlIdentifier('purchase.intent')})::DOUBLE AS top
       FROM quickstart GROUP BY ALL ORDER BY scenario`,
    );
    expect(rows).toEqual([
      { scenario: 'online-young', n: 2, top: 20 },
      { scenario: 'premium-heavy', n: 3, top: 90 },
    ]);
  });

  it('quotes identifiers safely', () => {
    expect(sqlIdentifier('a"b.c')).toBe('"a""b.c"');
  });
});
