import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { patchSpec } from '../../../spec/patches/index.ts';

type Node = Record<string, unknown>;

/** Walks `path` through nested objects (test helper: fails loudly on a missing step). */
function dig(value: unknown, ...path: string[]): Node {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) throw new Error(`no object at ${path.join('/')}`);
    current = (current as Node)[key];
  }
  if (typeof current !== 'object' || current === null) throw new Error(`no object at ${path.join('/')}`);
  return current as Node;
}

const read = (path: string): Node => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Node;
const source = read('../../../spec/simulacra-openapi.json');
const patched = patchSpec(source as never) as Node;
const committed = read('../../../spec/simulacra-openapi.patched.json');
const json = (op: Node, status: string) => dig(op, 'responses', status, 'content', 'application/json');

describe('spec patches', () => {
  it('matches the committed patched spec', () => {
    expect(committed).toEqual(patched);
  });

  it('removes every 3.0-style nullable in favour of type unions', () => {
    expect(JSON.stringify(patched)).not.toContain('"nullable"');
    const list = dig(patched, 'paths', '/v1/datasets', 'get');
    expect(dig(json(list, '200'), 'schema', 'properties', 'next_cursor').type).toEqual(['string', 'null']);
  });

  it('replaces {} meaning null in examples', () => {
    const list = dig(patched, 'paths', '/v1/datasets', 'get');
    expect(dig(json(list, '200'), 'example').next_cursor).toBeNull();
    const job = dig(patched, 'paths', '/v1/jobs/{job_id}', 'get');
    expect(dig(json(job, '200'), 'examples', 'running-train', 'value')).toMatchObject({
      completed_at: null,
      dataset_id: null,
      error: null,
    });
  });

  it('declares pagination, Idempotency-Key headers and the rotation endpoint', () => {
    const names = (op: Node) => (op.parameters as Node[]).map((p) => `${String(p.in)}:${String(p.name)}`);
    expect(names(dig(patched, 'paths', '/v1/datasets', 'get'))).toEqual(
      expect.arrayContaining(['query:limit', 'query:cursor']),
    );
    expect(names(dig(patched, 'paths', '/v1/datasets', 'post'))).toContain('header:Idempotency-Key');
    const rotate = dig(patched, 'paths', '/v1/credential-rotations', 'post');
    expect(rotate.operationId).toBe('rotateCredentials');
    expect(Object.keys(dig(rotate, 'responses'))).toEqual(
      expect.arrayContaining(['200', '201', '401', '429']),
    );
    expect(dig(patched, 'paths', '/healthz', 'get').operationId).toBe('getHealth');
    expect(dig(patched, 'paths', '/errors/{code}', 'get').operationId).toBe('getErrorCatalogEntry');
  });

  it('declares X-Request-Id on every response and 429/5xx with Retry-After', () => {
    const op = dig(patched, 'paths', '/v1/datasets/{dataset_id}/generations', 'post');
    expect(dig(json(op, '207'), 'schema', 'properties', 'status').enum).toEqual(['partial']);
    expect(dig(op, 'responses', '429').$ref).toBe('#/components/responses/TooManyRequests');
    expect(
      dig(patched, 'components', 'responses', 'TooManyRequests', 'headers', 'Retry-After'),
    ).toBeDefined();
    expect(dig(op, 'responses', '200', 'headers', 'X-Request-Id')).toBeDefined();
  });

  it('keeps the vendor order of examples (the mock default is the first)', () => {
    const job = dig(patched, 'paths', '/v1/jobs/{job_id}', 'get');
    expect(Object.keys(dig(json(job, '200'), 'examples'))).toEqual(['running-train', 'completed-generation']);
  });
});
