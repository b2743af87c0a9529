import { describe, expect, it } from 'vitest';
import {
  isSensitiveKey,
  redact,
  redactingJsonReplacer,
  redactText,
  REDACTED,
} from '../../../src/observability/redact.ts';

const JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJlLXBhcnQ';
const SECRET = 'Zq8sV3nR1tY6uI0oP4aS7dF2gH5jK9lX';
const CLAIM = 'cred_0123456789abcdef0123456789abcdef';
const MANAGED_URL = '/v1/generations/gen_1/download?expires=1767225600&sig=9f86d081884c7d659a2feaa0c55ad015';
const PRESIGNED =
  'https://bucket.s3.amazonaws.com/a/b.parquet?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=abcdef0123';

describe('redactText', () => {
  it.each([
    [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [REDACTED]'],
    [`token ${JWT} expired`, 'token [REDACTED_JWT] expired'],
    ['jwt-ish eyJhbGciOiJIUzI1NiJ9 alone', 'jwt-ish [REDACTED_JWT] alone'],
    [`GET ${MANAGED_URL} -> 404`, 'GET [REDACTED_URL] -> 404'],
    [`storage ${PRESIGNED}`, 'storage [REDACTED_URL]'],
    ['https://x.example/p?expires=1&sig=ab', '[REDACTED_URL]'],
    ['only sig=deadbeef here', 'only sig=[REDACTED] here'],
    [`claim ${CLAIM}`, 'claim [REDACTED_CLAIM_TOKEN]'],
    [
      `client_secret=${SECRET}&grant_type=client_credentials`,
      'client_secret=[REDACTED]&grant_type=client_credentials',
    ],
    [`password: hunter2`, 'password: [REDACTED]'],
    [
      `{"client_secret": "${SECRET} with space", "client_id": "acme"}`,
      '{"client_secret":"[REDACTED]","client_id":"acme"}',
    ],
    ["token='abc def'", "token='[REDACTED]'"],
    ['Basic YWNtZTpzZWNyZXQ=', 'Basic [REDACTED]'],
    [
      'dataset ds_1 generation gen_2 request req_3 job job_abcd',
      'dataset ds_1 generation gen_2 request req_3 job job_abcd',
    ],
    ['https://api.simulacra-data.com/v1/datasets/ds_1', 'https://api.simulacra-data.com/v1/datasets/ds_1'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const text of [
      `Authorization: Bearer ${JWT}`,
      `client_secret=${SECRET}`,
      'sig=x',
      MANAGED_URL,
      'password: "a b"',
    ]) {
      const once = redactText(text);
      expect(redactText(once)).toBe(once);
    }
  });

  it('redacts escaped JSON inside a string', () => {
    const text = `body: {\\"access_token\\":\\"${JWT}x\\",\\"token_type\\":\\"Bearer\\"}`;
    const out = redactText(text);
    expect(out).not.toContain('eyJ');
    expect(out).toContain('token_type');
  });

  it('finds embedded JSON after a bracketed prefix', () => {
    expect(redactText('[landing] {"data":[1],"job_id":"job_1"}')).toBe(
      '[landing] {"data":"[REDACTED]","job_id":"job_1"}',
    );
    expect(redactText('rows: [{"password":"x"}]')).toBe('rows: [{"password":"[REDACTED]"}]');
  });

  it('redacts row data inside JSON embedded in a message', () => {
    const out = redactText(
      'landing {"generation_id":"gen_1","rows":[{"email":"a@b.c"}],"sample":[1,2]} done',
    );
    expect(out).toBe('landing {"generation_id":"gen_1","rows":"[REDACTED]","sample":"[REDACTED]"} done');
  });
});

describe('isSensitiveKey', () => {
  it.each([
    'client_secret',
    'clientSecret',
    'Client-Secret',
    'secret',
    'password',
    'db_password',
    'token',
    'access_token',
    'accessToken',
    'sessionToken',
    'authorization',
    'Authorization',
    'credential_claim_token',
    'claim_token',
    'artifact_url',
    'artifactUrl',
    'rows',
    'data',
    'records',
    'sample',
    'wrapped_dek',
    'secretAccessKey',
    'x-api-key',
  ])('%s is sensitive', (key) => {
    expect(isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'dataset_id',
    'generation_id',
    'request_id',
    'job_id',
    'client_id',
    'token_url',
    'rows_generated',
    'rowsRequested',
    'sampling_rate',
    'message',
    'output_key',
  ])('%s is not sensitive', (key) => {
    expect(isSensitiveKey(key)).toBe(false);
  });
});

describe('redact', () => {
  it('redacts sensitive keys at any depth, in arrays, maps and sets, and keeps ids', () => {
    const input = {
      dataset_id: 'ds_1',
      generation_id: 'gen_1',
      request_id: 'req_1',
      job_id: 'job_1234',
      rows_generated: 10,
      nested: { deeper: [{ client_secret: SECRET, ok: 1 }, { headers: { Authorization: `Bearer ${JWT}` } }] },
      map: new Map<string, unknown>([
        ['access_token', JWT],
        ['n', 1],
      ]),
      set: new Set([`Bearer ${JWT}`]),
      rows: [{ a: 1 }],
      records: 'x',
      when: new Date(0),
    };
    const out = redact(input) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('eyJ');
    expect(out).toMatchObject({
      dataset_id: 'ds_1',
      generation_id: 'gen_1',
      request_id: 'req_1',
      job_id: 'job_1234',
      rows_generated: 10,
      rows: REDACTED,
      records: REDACTED,
      map: { access_token: REDACTED, n: 1 },
      set: ['Bearer [REDACTED]'],
      nested: { deeper: [{ client_secret: REDACTED, ok: 1 }, { headers: { Authorization: REDACTED } }] },
    });
    expect(out.when).toEqual(new Date(0));
    expect(input.nested.deeper[0]!.client_secret).toBe(SECRET); // input untouched
  });

  it('turns errors into plain objects with message, stack, fields and cause redacted', () => {
    const cause = new Error(`upstream said client_secret=${SECRET}`);
    const err = Object.assign(new Error(`download ${MANAGED_URL} failed`, { cause }), {
      token: 'abc',
      generation_id: 'gen_9',
    });
    const out = redact(err) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('sig=9f86');
    expect(out).toMatchObject({
      name: 'Error',
      message: 'download [REDACTED_URL] failed',
      token: REDACTED,
      generation_id: 'gen_9',
    });
    expect((out.cause as Record<string, unknown>).message).toBe('upstream said client_secret=[REDACTED]');
  });

  it('survives cycles, deep nesting, binary and exotic values', () => {
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    const out = redact({
      cyclic,
      deep,
      buf: Buffer.from('secret'),
      big: 10n,
      fn: undefined,
      url: new URL(`https://h${MANAGED_URL}`),
    }) as Record<string, unknown>;
    expect((out.cyclic as Record<string, unknown>).self).toBe('[Circular]');
    expect(JSON.stringify(out.deep)).toContain('[Truncated]');
    expect(out.buf).toBe('[REDACTED] binary');
    expect(out.big).toBe(10n);
    expect(out.url).toBe('[REDACTED_URL]');
  });

  it('passes primitives through and scrubs plain strings', () => {
    expect(redact(1)).toBe(1);
    expect(redact(null)).toBeNull();
    expect(redact(`Bearer ${JWT}`)).toBe('Bearer [REDACTED]');
  });
});

describe('redactingJsonReplacer', () => {
  it('redacts during JSON.stringify', () => {
    const text = JSON.stringify(
      { a: { password: 'x', note: `Bearer ${JWT}`, data: Buffer.from('rows') }, id: 'ds_1' },
      redactingJsonReplacer,
    );
    expect(JSON.parse(text)).toEqual({
      a: { password: REDACTED, note: 'Bearer [REDACTED]', data: REDACTED },
      id: 'ds_1',
    });
  });
});

describe('redactText options', () => {
  it('removes artifact download URLs even unsigned, and every URL for text that leaves the function', async () => {
    const { redactText } = await import('../../../src/observability/redact.ts');
    expect(redactText('GET /v1/generations/gen_1/download failed')).toBe('GET [REDACTED_URL] failed');
    expect(redactText('see https://api.example/v1/datasets/ds_1')).toBe(
      'see https://api.example/v1/datasets/ds_1',
    );
    expect(redactText('see https://storage.example/a/b.csv', { urls: 'all' })).toBe('see [REDACTED_URL]');
    expect(redactText('s3://bucket/key.csv is bad', { urls: 'all' })).toBe('s3://bucket/key.csv is bad');
  });
});
