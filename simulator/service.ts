/** Open service routes: `/healthz`, `/openapi.json`, `/errors`, `/errors/{code}` and the landing pages. */
import { readFileSync } from 'node:fs';
import { ProblemError, errorCatalog } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';

let openApiDocument: Buffer | null = null;

/** The vendored contract, served as the vendor serves its own. */
function openApi(): Buffer {
  openApiDocument ??= readFileSync(new URL('../spec/simulacra-openapi.json', import.meta.url));
  return openApiDocument;
}

export function health(rc: RequestContext): Promise<Reply> {
  return Promise.resolve({ status: 200, json: { status: 'ok', request_id: rc.requestId } });
}

export function openApiJson(): Promise<Reply> {
  return Promise.resolve({ status: 200, raw: { body: openApi(), contentType: 'application/json' } });
}

export function listErrors(): Promise<Reply> {
  return Promise.resolve({ status: 200, json: { errors: [...errorCatalog.values()] } });
}

export function getError(rc: RequestContext): Promise<Reply> {
  const entry = errorCatalog.get(rc.params.code ?? '');
  if (!entry) throw new ProblemError(404, undefined, 'Unknown error code.');
  return Promise.resolve({ status: 200, json: entry });
}

export function landing(): Promise<Reply> {
  const html =
    '<!doctype html><html><head><title>Simulacra Headless API (simulator)</title></head><body>' +
    '<h1>Simulacra Headless API simulator</h1><p>Contract: <a href="/openapi.json">/openapi.json</a>. ' +
    'Errors: <a href="/errors">/errors</a>. Health: <a href="/healthz">/healthz</a>.</p></body></html>';
  return Promise.resolve({
    status: 200,
    raw: { body: Buffer.from(html), contentType: 'text/html; charset=utf-8' },
  });
}
