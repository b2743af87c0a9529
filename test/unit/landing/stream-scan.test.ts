import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ArtifactFormatError } from '../../../src/landing/errors.ts';
import { BATCH_BYTES, MAX_PENDING_BYTES, workerStreamScan } from '../../../src/landing/scan-worker.ts';
import { inlineStreamScan, type StreamScanSetup } from '../../../src/landing/stream-scan.ts';

const setup: StreamScanSetup = {
  format: 'csv',
  generationId: 'gen_scan',
  conditions: {
    categorical: { segment: { Premium: 0.5, Value: 0.5 } },
    numeric: { age: { min: 20, max: 60 } },
  },
};

function csv(rows: number): Buffer {
  const lines = ['segment,age'];
  for (let i = 0; i < rows; i++) lines.push(`${i % 2 === 0 ? 'Premium' : 'Value'},${20 + (i % 40)}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function scanWith(scan: ReturnType<typeof inlineStreamScan>, data: Buffer, chunk = 4093) {
  for (let offset = 0; offset < data.length; offset += chunk)
    await scan.write(data.subarray(offset, offset + chunk));
  return scan.finish({ rowsRequested: 1_200_000, rowsGenerated: 1_200_000 });
}

describe('stream scan', () => {
  it('gives the same hash, inspection and conformance in a worker thread as inline', async () => {
    const data = csv(1_200_000); // ~12 MB: many batches, more than the pending-bytes bound
    expect(data.length).toBeGreaterThan(MAX_PENDING_BYTES + 2 * BATCH_BYTES);
    const inline = await scanWith(inlineStreamScan(setup), data);
    const worker = await scanWith(workerStreamScan(setup), data);
    expect(worker).toEqual(inline);
    expect(worker.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(worker.inspected?.rows).toBe(1_200_000);
    expect(worker.conformance).not.toBeNull();
  });

  it('hashes formats inspected after the stream without inspecting them', async () => {
    const data = Buffer.from('PAR1 not really parquet');
    const result = await scanWith(workerStreamScan({ format: 'parquet', generationId: 'gen_p' }), data);
    expect(result).toEqual({
      sha256: createHash('sha256').update(data).digest('hex'),
      inspected: null,
      conformance: null,
    });
  });

  it('reports unreadable CSV from the worker as the ArtifactFormatError the handler maps', async () => {
    const scan = workerStreamScan({ format: 'csv', generationId: 'gen_bad' });
    const err = await scanWith(scan, Buffer.from('a,b\n"unterminated\n')).catch((e: unknown) => e);
    const inline = await scanWith(
      inlineStreamScan({ format: 'csv', generationId: 'gen_bad' }),
      Buffer.from('a,b\n"unterminated\n'),
    ).catch((e: unknown) => e);
    expect(inline).toBeInstanceOf(ArtifactFormatError);
    expect(err).toBeInstanceOf(ArtifactFormatError);
    expect((err as ArtifactFormatError).message).toBe((inline as ArtifactFormatError).message);
    expect((err as ArtifactFormatError).generationId).toBe('gen_bad');
  });
});
