/**
 * Artifact URLs and delivery. Managed mode: an API-relative relay URL
 * `/v1/generations/{id}/download?expires=&sig=` (HMAC-SHA256 hex over `${id}.${expires}`), bearer
 * required. Enterprise mode: an absolute presigned URL to the separate storage listener
 * (`/objects/{tenant_id}/{file}?expires=&signature=`) that, like S3, rejects an Authorization header.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { derivedKey, type SimContext } from './context.ts';
import type { Reply, RequestContext } from './router.ts';
import type { GenerationRecord, OutputFormat } from './store.ts';

/** Content-Type and file extension of each output format. */
export const FORMAT_MEDIA: Readonly<Record<OutputFormat, { contentType: string; extension: string }>> = {
  parquet: { contentType: 'application/vnd.apache.parquet', extension: 'parquet' },
  csv: { contentType: 'text/csv', extension: 'csv' },
  arrow: { contentType: 'application/vnd.apache.arrow.file', extension: 'arrow' },
};

function sign(ctx: SimContext, purpose: string, message: string): string {
  return createHmac('sha256', derivedKey(ctx, purpose)).update(message).digest('hex');
}

function signatureMatches(expected: string, given: string | null): boolean {
  if (given === null || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
}

function expiryFromNow(ctx: SimContext): number {
  const ttl = ctx.faults.spec.downloadExpireSeconds ?? ctx.config.retention.downloadTtlSeconds;
  return Math.floor(ctx.now() / 1000) + Math.max(1, Math.round(ttl));
}

/** The storage object key of a generation's encrypted artifact. */
export function storageObjectPath(generation: GenerationRecord): string {
  return `${generation.tenantId}/${generation.generationId}.${FORMAT_MEDIA[generation.outputFormat].extension}`;
}

/** Records a signed URL and its signature as handed out. */
function handOut(ctx: SimContext, url: string, signature: string): string {
  ctx.sensitive.record('artifact_url', url);
  ctx.sensitive.record('url_signature', signature);
  return url;
}

/** A fresh artifact URL for `generation` (null when it has no artifact). */
export function artifactUrl(ctx: SimContext, generation: GenerationRecord): string | null {
  if (!generation.artifact) return null;
  const expires = expiryFromNow(ctx);
  if (generation.artifact.encryption) {
    const path = storageObjectPath(generation);
    const signature = sign(ctx, 'storage', `${path}.${expires}`);
    return handOut(
      ctx,
      `${ctx.storageBase}/objects/${path}?expires=${expires}&signature=${signature}`,
      signature,
    );
  }
  const sig = sign(ctx, 'download', `${generation.generationId}.${expires}`);
  return handOut(
    ctx,
    `/v1/generations/${encodeURIComponent(generation.generationId)}/download?expires=${expires}&sig=${sig}`,
    sig,
  );
}

/** True when `expires` + `sig` of a relay URL are valid for `generationId` and unexpired. */
export function relaySignatureValid(
  ctx: SimContext,
  generationId: string,
  expires: string | null,
  sig: string | null,
): boolean {
  if (expires === null || !/^\d{1,12}$/.test(expires)) return false;
  if (Number(expires) * 1000 <= ctx.now()) return false;
  return signatureMatches(sign(ctx, 'download', `${generationId}.${expires}`), sig);
}

function s3Error(status: number, code: string, message: string, requestId: string): Reply {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
  return { status, raw: { body: Buffer.from(xml), contentType: 'application/xml' } };
}

/** `GET /objects/{tenant_id}/{file}` on the storage listener. */
export function serveStorageObject(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  if (rc.req.headers.authorization !== undefined) {
    return Promise.resolve(
      s3Error(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; the signature query string parameter or the Authorization header should be specified, not both.',
        rc.requestId,
      ),
    );
  }
  const path = `${rc.params.tenant_id ?? ''}/${rc.params.file ?? ''}`;
  const expires = rc.url.searchParams.get('expires');
  const signature = rc.url.searchParams.get('signature');
  if (
    expires === null ||
    !/^\d{1,12}$/.test(expires) ||
    !signatureMatches(sign(ctx, 'storage', `${path}.${expires}`), signature)
  ) {
    return Promise.resolve(
      s3Error(403, 'SignatureDoesNotMatch', 'The request signature does not match.', rc.requestId),
    );
  }
  if (Number(expires) * 1000 <= ctx.now()) {
    return Promise.resolve(s3Error(403, 'AccessDenied', 'Request has expired', rc.requestId));
  }
  const generation = Object.values(ctx.store.data.generations).find(
    (g) => g.artifact?.encryption && storageObjectPath(g) === path && g.expiresAt > ctx.now(),
  );
  const body = generation?.artifact ? ctx.store.getBlob(generation.artifact.blob) : undefined;
  if (!body)
    return Promise.resolve(s3Error(404, 'NoSuchKey', 'The specified key does not exist.', rc.requestId));
  return Promise.resolve({ status: 200, raw: { body, contentType: 'application/octet-stream' } });
}
