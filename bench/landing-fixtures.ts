/**
 * The vendor side of the landing benchmarks (bench/landing.ts, bench/quality.ts): synthetic CSV
 * artifacts, their enterprise encryption (a KMS data key, the vendor's ciphertext || tag layout)
 * and a local HTTP server answering the generation resource and streaming the artifact bytes.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

export const FEED = 'bench';
export const TENANT = 'ten_bench';
export const DATASET = 'ds_bench';
const TOKEN_PATH = '/oauth/token';

const SEGMENTS = ['Premium', 'Mainstream', 'Value'];
const REGIONS = ['North', 'South', 'East', 'West'];

/** A row `id,segment,region,age,spend` whose values derive from `m`, the spend shifted by `spendShift`. */
export function syntheticRow(id: string, m: number, spendShift = 0): string {
  return `${id},${SEGMENTS[m % 3]},${REGIONS[(m * 7) % 4]},${18 + ((m * 13) % 60)},${((m * 37) % 40_000) / 100 + spendShift}\n`;
}

/**
 * Writes a CSV of about `bytes` bytes (header + rows of 5 mixed columns, `row(n)` each, the
 * artifact's by default) and returns its row count. Deterministic and fast (about 1 s per 100 MB).
 */
export async function writeSyntheticCsv(
  path: string,
  bytes: number,
  row: (n: number) => string = (n) => syntheticRow(String(n), n),
): Promise<number> {
  const out = createWriteStream(path);
  let written = 0;
  let rows = 0;
  const header = 'id,segment,region,age,spend\n';
  out.write(header);
  written += header.length;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(row(rows + i));
    const chunk = lines.join('');
    rows += lines.length;
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

/** Encrypts `plainPath` to `encPath` in the vendor's enterprise layout (ciphertext || 16-byte tag). */
export async function encryptArtifact(
  plainPath: string,
  encPath: string,
  kms: KMSClient,
  keyId: string,
  generationId: string,
): Promise<{ wrappedDek: string; iv: string }> {
  const context = { tenant_id: TENANT, generation_id: generationId };
  const dataKey = await kms.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
  );
  if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error('KMS returned no data key');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey.Plaintext, iv);
  const out = createWriteStream(encPath);
  for await (const chunk of createReadStream(plainPath, { highWaterMark: 1024 * 1024 })) {
    if (!out.write(cipher.update(chunk as Buffer))) await once(out, 'drain');
  }
  out.write(cipher.final());
  out.end(cipher.getAuthTag());
  await once(out, 'finish');
  return {
    wrappedDek: Buffer.from(dataKey.CiphertextBlob).toString('base64'),
    iv: iv.toString('base64'),
  };
}

export interface ServedArtifact {
  readonly generationId: string;
  readonly path: string;
  readonly rows: number;
  readonly mode: 'managed' | 'enterprise';
  readonly envelope?: { wrappedDek: string; iv: string };
}

/**
 * The vendor side of a landing: `GET /v1/generations/{id}` (the generation resource), the
 * token endpoint, and the artifact bytes streamed from disk (managed: API-relative URL on this origin; enterprise: an
 * absolute URL on a second "storage" listener, another origin, as the vendor does).
 */
export async function startArtifactServer(): Promise<{
  apiBase: string;
  /** The vendor's OAuth token endpoint (answers any client-credentials request). */
  tokenUrl: string;
  storageBase: string;
  serve(artifact: ServedArtifact): void;
  close(): Promise<void>;
}> {
  const artifacts = new Map<string, ServedArtifact>();
  let apiBase = '';
  let storageBase = '';
  const stream = (res: ServerResponse, artifact: ServedArtifact): void => {
    res.writeHead(200, {
      'content-type': 'text/csv',
      'content-length': String(statSync(artifact.path).size),
    });
    createReadStream(artifact.path, { highWaterMark: 256 * 1024 }).pipe(res);
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && url.pathname === TOKEN_PATH) {
      // The client-credentials grant the deployed handler makes once per container (not checked).
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 86_400 }));
      return;
    }
    const meta = /^\/v1\/generations\/([^/]+)$/.exec(url.pathname);
    const download = /^\/v1\/generations\/([^/]+)\/download$/.exec(url.pathname);
    const object = /^\/objects\/[^/]+\/([^/.]+)\.csv$/.exec(url.pathname);
    const artifact = artifacts.get((meta ?? download ?? object)?.[1] ?? '');
    if (!artifact) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
      return;
    }
    if (download || object) {
      stream(res, artifact);
      return;
    }
    const id = artifact.generationId;
    const body = {
      generation_id: id,
      dataset_id: DATASET,
      status: 'ready',
      request_id: 'req_bench',
      output_format: 'csv',
      rows_requested: artifact.rows,
      rows_generated: artifact.rows,
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      artifact_url:
        artifact.mode === 'managed'
          ? `/v1/generations/${id}/download?expires=9999999999&sig=00`
          : `${storageBase}/objects/${TENANT}/${id}.csv?expires=9999999999&signature=00`,
      artifact_encryption: artifact.envelope
        ? {
            scheme: 'envelope-aes-256-gcm',
            wrapped_dek: artifact.envelope.wrappedDek,
            iv: artifact.envelope.iv,
            encryption_context: { tenant_id: TENANT, generation_id: id },
          }
        : { scheme: 'managed', wrapped_dek: null, iv: null, encryption_context: null },
    };
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' });
    res.end(JSON.stringify(body));
  };
  const listen = async (server: Server): Promise<string> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const api = createServer(handler);
  const storage = createServer(handler);
  apiBase = await listen(api);
  storageBase = await listen(storage);
  return {
    apiBase,
    tokenUrl: `${apiBase}${TOKEN_PATH}`,
    storageBase,
    serve: (artifact) => artifacts.set(artifact.generationId, artifact),
    async close() {
      await Promise.all(
        [api, storage].map((server) => {
          server.closeAllConnections();
          return new Promise<void>((resolve) => server.close(() => resolve()));
        }),
      );
    },
  };
}

/**
 * Serves the CSV at `path` as `generationId`: as it is in managed mode; in enterprise mode
 * encrypted for that generation (its own data key and context) into `workDir`. Returns the
 * encrypted file to remove afterwards (null in managed mode).
 */
export async function serveGeneration(
  server: { serve(artifact: ServedArtifact): void },
  options: {
    readonly generationId: string;
    readonly path: string;
    readonly rows: number;
    readonly mode: 'managed' | 'enterprise';
    readonly kms: KMSClient;
    readonly artifactKeyArn: string;
    readonly workDir: string;
  },
): Promise<string | null> {
  const { generationId, path, rows, mode } = options;
  if (mode === 'managed') {
    server.serve({ generationId, path, rows, mode });
    return null;
  }
  const encrypted = join(options.workDir, `${generationId}.enc`);
  const envelope = await encryptArtifact(path, encrypted, options.kms, options.artifactKeyArn, generationId);
  server.serve({ generationId, path: encrypted, rows, mode, envelope });
  return encrypted;
}
