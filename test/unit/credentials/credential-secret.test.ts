import { describe, expect, it, vi } from 'vitest';
import type { VendorCredentials } from '../../../src/client/index.ts';
import {
  IncompleteCredentialsError,
  credentialsFromClaim,
  openRoutesOnly,
  toSecretString,
  verifyCredentials,
} from '../../../src/credentials/credential-secret.ts';
import { CLIENT_SECRET, claimed } from '../../support/credential-fakes.ts';

const credentials: VendorCredentials = {
  client_id: 'acme_m2m_1',
  client_secret: CLIENT_SECRET,
  token_url: 'https://auth.example.test/oauth/token',
  audience: 'aud',
  api_base: 'https://api.example.test',
};

describe('credentialsFromClaim', () => {
  it('prefers the claim values and takes the API base from the caller', () => {
    expect(
      credentialsFromClaim(claimed(), { api_base: 'https://a.test', token_url: 'https://other/token' }),
    ).toEqual({
      client_id: 'acme_m2m_1',
      client_secret: CLIENT_SECRET,
      token_url: 'https://auth.example.test/oauth/token',
      audience: 'https://api.simulacra-data.com',
      api_base: 'https://a.test',
    });
  });

  it('falls back to the defaults and names what is still missing', () => {
    const claim = claimed({ token_url: null, audience: null });
    expect(
      credentialsFromClaim(claim, {
        api_base: 'https://a.test',
        token_url: 'https://t/token',
        audience: 'x',
      }),
    ).toMatchObject({ token_url: 'https://t/token', audience: 'x' });
    const err = (() => {
      try {
        credentialsFromClaim(claim, { api_base: 'https://a.test' });
      } catch (e) {
        return e;
      }
    })() as IncompleteCredentialsError;
    expect(err).toBeInstanceOf(IncompleteCredentialsError);
    expect(err.missing).toEqual(['token_url', 'audience']);
    expect(err.message).toContain('--token-url');
  });
});

describe('toSecretString', () => {
  it('writes exactly the five secret fields', () => {
    expect(
      Object.keys(JSON.parse(toSecretString({ ...credentials, extra: 1 } as VendorCredentials)) as object),
    ).toEqual(['client_id', 'client_secret', 'token_url', 'audience', 'api_base']);
  });
});

describe('verifyCredentials', () => {
  it('mints one token and returns only the client id and the expiry', async () => {
    const fetch = vi.fn(() =>
      Promise.resolve(
        new Response(JSON.stringify({ access_token: 'eyJ.secret.token', expires_in: 3600 }), { status: 200 }),
      ),
    );
    const before = Date.now();
    const check = await verifyCredentials(credentials, { fetch });
    expect(fetch).toHaveBeenCalledOnce();
    expect(check.client_id).toBe('acme_m2m_1');
    expect(check.tokenExpiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(JSON.stringify(check)).not.toContain('eyJ');
  });

  it('fails with the token endpoint refusal', async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response('{"error":"access_denied"}', { status: 401 })));
    await expect(verifyCredentials(credentials, { fetch })).rejects.toThrow(/HTTP 401/);
  });
});

describe('openRoutesOnly', () => {
  it('refuses to hand out a bearer token', async () => {
    await expect(openRoutesOnly.getToken()).rejects.toThrow(/open onboarding routes only/);
    expect(() => openRoutesOnly.invalidate('x')).not.toThrow();
  });
});
