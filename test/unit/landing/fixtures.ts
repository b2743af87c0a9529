/** Shared builders for landing tests: generations, artifact bytes in each format, GCM encryption. */
import { createCipheriv, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ArtifactDownload, Generation } from '../../../src/client/contract.ts';
import { meta } from '../../support/fake-vendor-api.ts';

export const GENERATION_ID = 'gen_abc123';
export const DATASET_ID = 'ds_xyz789';

export function generation(overrides: Partial<Generation> = {}): Generation {
  return {
    generation_id: GENERATION_ID,
    dataset_id: DATASET_ID,
    status: 'ready',
    request_id: 'req_get1',
    output_format: 'csv',
    rows_requested: 3,
    rows_generated: 3,
    created_at: '2026-05-01T17:31:00Z',
    expires_at: '2026-05-02T17:31:00Z',
    artifact_url: '/v1/generations/gen_abc123/download?expires=1&sig=aa',
    artifact_encryption: { scheme: 'managed', wrapped_dek: null, iv: null, encryption_context: null },
    meta,
    ...overrides,
  };
}

/** `rows` CSV rows with a header: id (int), segment (categorical), spend (double). */
export function csvBytes(rows: number): Buffer {
  const lines = ['id,segment,spend'];
  for (let i = 0; i < rows; i += 1) lines.push(`${i + 1},${i % 2 === 0 ? 'a' : 'b'},${(i * 1.5).toFixed(2)}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

export function parquetBytes(rows: number): Buffer {
  const ids = Array.from({ length: rows }, (_, i) => i + 1);
  return Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ids, type: 'INT32' },
        { name: 'segment', data: ids.map((i) => (i % 2 === 1 ? 'a' : 'b')), type: 'STRING' },
        { name: 'spend', data: ids.map((i) => i * 1.5), type: 'DOUBLE' },
      ],
    }),
  );
}

export function arrowBytes(rows: number): Buffer {
  const ids = Int32Array.from({ length: rows }, (_, i) => i + 1);
  const table = tableFromArrays({
    id: ids,
    segment: Array.from(ids, (i) => (i % 2 === 1 ? 'a' : 'b')),
    spend: Float64Array.from(ids, (i) => i * 1.5),
  });
  return Buffer.from(tableToIPC(table, 'file'));
}

/** AES-256-GCM in the vendor layout: ciphertext || 16-byte tag. */
export function gcmEncrypt(
  plaintext: Buffer,
  key: Buffer,
  iv: Buffer = randomBytes(12),
): { body: Buffer; iv: Buffer } {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  return { body: Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]), iv };
}

/** A download of `bytes`, streamed in small chunks. */
export function download(bytes: Buffer, chunk = 7): ArtifactDownload {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  return { body: Readable.from(chunks), contentLength: bytes.byteLength, contentType: null, meta };
}
