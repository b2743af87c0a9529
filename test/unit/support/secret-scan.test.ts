import { describe, expect, it } from 'vitest';
import { scanForSecrets, scannedJson, type SensitiveValue } from '../../support/secret-scan.ts';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhY21lQGNsaWVudHMiLCJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const SECRET = 'sk_live_abcdefghijklmnopqrstuvwxyz';
const known: SensitiveValue[] = [
  { kind: 'client_secret', value: SECRET },
  { kind: 'bearer_token', value: JWT },
  { kind: 'url_signature', value: 'short' },
];

describe('scanForSecrets', () => {
  it('finds nothing in redacted output', () => {
    const texts = [
      { source: 'log', text: '{"level":"INFO","client_secret":"[REDACTED]","auth":"Bearer [REDACTED]"}' },
      {
        source: 'log',
        text: 'fetched [REDACTED_URL] and sig=[REDACTED] for cred_ claim [REDACTED_CLAIM_TOKEN]',
      },
      scannedJson('history', {
        type: 'TaskSucceeded',
        output: { datasetId: 'ds_1', key: 'synthetic/feed=a/x.parquet' },
      }),
    ];
    expect(scanForSecrets(texts, known)).toEqual([]);
  });

  it('finds a known secret verbatim and masks it in the excerpt', () => {
    const [finding, ...rest] = scanForSecrets(
      [{ source: 'log:run', text: `minted with ${SECRET} ok` }],
      known,
    );
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ source: 'log:run', kind: 'client_secret' });
    expect(finding!.excerpt).not.toContain(SECRET);
    expect(finding!.excerpt).toContain('<secret:');
  });

  it('finds secret-shaped values it was not told about', () => {
    const texts = [
      { source: 'a', text: `token ${JWT.replace('c2ln', 'eHl6')}` },
      { source: 'b', text: 'claim cred_0123456789abcdef0123456789abcdef' },
      { source: 'c', text: 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345' },
      { source: 'd', text: '/v1/generations/gen_1/download?expires=1&sig=0123456789abcdef0123' },
    ];
    const kinds = scanForSecrets(texts, []).map((f) => `${f.source}:${f.kind}`);
    expect(kinds).toEqual([
      'a:pattern:jwt',
      'b:pattern:claim_token',
      'c:pattern:bearer',
      'd:pattern:url_signature',
    ]);
  });

  it('ignores known values too short to be matched reliably', () => {
    expect(scanForSecrets([{ source: 'x', text: 'a short word' }], known)).toEqual([]);
  });
});
