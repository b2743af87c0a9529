import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { signJwt, verifyJwt } from '../../../simulator/jwt.ts';
import { parseMultipart, parseObjectBody } from '../../../simulator/body.ts';
import { canonicalJson, fingerprint } from '../../../simulator/idempotency.ts';
import { paginate } from '../../../simulator/pagination.ts';
import { Router } from '../../../simulator/router.ts';
import { ProblemError, errorCatalog, unauthorized } from '../../../simulator/problems.ts';

const key = Buffer.alloc(32, 7);
const claims = {
  iss: 'http://sim/',
  sub: 'c@clients',
  aud: 'aud',
  iat: 100,
  exp: 200,
  azp: 'c',
  gty: 'client-credentials' as const,
  cgen: 1,
};

describe('jwt', () => {
  it('round-trips and checks signature, audience, issuer and expiry', () => {
    const token = signJwt(claims, key);
    expect(token.startsWith('eyJ')).toBe(true);
    expect(token.split('.')).toHaveLength(3);
    const expected = { audience: 'aud', issuer: 'http://sim/', nowMs: 150_000 };
    expect(verifyJwt(token, key, expected)?.azp).toBe('c');
    expect(verifyJwt(token, Buffer.alloc(32, 8), expected)).toBeNull();
    expect(verifyJwt(token, key, { ...expected, audience: 'other' })).toBeNull();
    expect(verifyJwt(token, key, { ...expected, issuer: 'x' })).toBeNull();
    expect(verifyJwt(token, key, { ...expected, nowMs: 200_000 })).toBeNull();
    expect(verifyJwt('not-a-jwt', key, expected)).toBeNull();
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, azp: 'other' })).toString('base64url');
    expect(verifyJwt(`${h}.${forged}.${s}`, key, expected)).toBeNull();
  });
});

describe('multipart and JSON bodies', () => {
  it('parses parts with names, filenames and binary data', () => {
    const body = Buffer.concat([
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="display_name"\r\n\r\nMy seed\r\n'),
      Buffer.from(
        '--XyZ\r\nContent-Disposition: form-data; name="seed_file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n',
      ),
      Buffer.from([0x61, 0x0d, 0x0a, 0x00, 0xff]),
      Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    const parts = parseMultipart('multipart/form-data; boundary=XyZ', body);
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['display_name', null, null],
      ['seed_file', 's.csv', 'text/csv'],
    ]);
    expect(parts[1]!.data).toEqual(Buffer.from([0x61, 0x0d, 0x0a, 0x00, 0xff]));
  });

  it('names what is wrong with a malformed multipart body', () => {
    expect(() => parseMultipart('multipart/form-data', Buffer.from(''))).toThrow(/no boundary/);
    expect(() =>
      parseMultipart('multipart/form-data; boundary=a', Buffer.from('--a\r\nX: y\r\n\r\nbody')),
    ).toThrow(/closing boundary/);
  });

  it('answers "request body is empty" without JSON content type', () => {
    const req = { headers: { 'content-type': 'text/plain' } } as unknown as IncomingMessage;
    expect(() => parseObjectBody(req, Buffer.from('{}'))).toThrow(/request body is empty/);
    const form = {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    } as unknown as IncomingMessage;
    expect(parseObjectBody(form, Buffer.from('a=1&b=x'), { allowForm: true })).toEqual({ a: '1', b: 'x' });
  });
});

describe('idempotency fingerprints', () => {
  it('ignores key order but not values', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});

describe('pagination', () => {
  it('pages with an opaque cursor and stops with null', () => {
    const items = ['e', 'd', 'c', 'b', 'a'];
    const first = paginate(items, (x) => x, { limit: 2, after: null });
    expect(first.page).toEqual(['e', 'd']);
    const after = Buffer.from(first.nextCursor!, 'base64url').toString().slice(3);
    const second = paginate(items, (x) => x, { limit: 3, after });
    expect(second).toEqual({ page: ['c', 'b', 'a'], nextCursor: null });
  });
});

describe('router and problems', () => {
  it('matches templates, decodes params and reports method-not-allowed', () => {
    const router = new Router().add('GET', '/v1/jobs/{job_id}', () => Promise.resolve({ status: 200 }));
    const found = router.match('GET', '/v1/jobs/job_a%20b');
    expect(found.kind === 'found' && found.params).toEqual({ job_id: 'job_a b' });
    expect(found.kind === 'found' && found.route).toBe('GET /v1/jobs/{job_id}');
    expect(router.match('POST', '/v1/jobs/x').kind).toBe('method-not-allowed');
    expect(router.match('GET', '/nope').kind).toBe('not-found');
  });

  it('builds coded problems and the uniform 401', () => {
    expect(new ProblemError(404, 'simio_job_not_found', 'Job not found.').body()).toEqual({
      type: 'https://api.simulacra-data.com/errors/simio_job_not_found',
      title: 'Not Found',
      status: 404,
      detail: 'Job not found.',
      code: 'simio_job_not_found',
    });
    expect(unauthorized().body()).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Invalid credentials.',
    });
    for (const code of [
      'simio_invalid_field',
      'simio_unknown_condition_column',
      'simio_quota_exhausted',
      'simio_dataset_not_found',
      'simio_generation_not_found',
      'simio_job_not_found',
      'simio_signup_not_found',
      'simio_credential_claim_not_found',
      'simio_rotation_request_not_found',
      'simio_idempotency_conflict',
      'simio_extend_cap_exceeded',
      'simio_file_too_large',
      'simio_per_request_cap_exceeded',
      'simio_unsupported_content_type',
    ]) {
      expect(errorCatalog.get(code), code).toMatchObject({ code, retryable: expect.any(Boolean) });
    }
  });
});
