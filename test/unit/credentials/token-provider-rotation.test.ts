import { describe, expect, it, vi } from 'vitest';
import { createTokenProvider } from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { CLIENT_SECRET, NEW_CLIENT_SECRET } from '../../support/credential-fakes.ts';

const base: VendorCredentials = {
  client_id: 'acme_m2m_1',
  client_secret: CLIENT_SECRET,
  token_url: 'https://auth.example.test/oauth/token',
  audience: 'https://api.simulacra-data.com',
  api_base: 'https://api.example.test',
};
const rotated: VendorCredentials = { ...base, client_secret: NEW_CLIENT_SECRET };

/** A token endpoint that accepts only `valid` and records the secrets it was sent. */
function tokenEndpoint(valid: () => string) {
  const secretsSent: string[] = [];
  let n = 0;
  const fetch = vi.fn((_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(init?.body as string) as { client_secret: string };
    secretsSent.push(body.client_secret);
    if (body.client_secret !== valid()) {
      return Promise.resolve(new Response(JSON.stringify({ error: 'access_denied' }), { status: 401 }));
    }
    n += 1;
    return Promise.resolve(
      new Response(JSON.stringify({ access_token: `token-${n}`, expires_in: 86_400 }), { status: 200 }),
    );
  });
  return { fetch, secretsSent };
}

describe('token provider credentialsSource (rotation hook)', () => {
  it('does not re-read for the first mint, then re-reads for the re-mint after a 401', async () => {
    let valid = CLIENT_SECRET;
    const endpoint = tokenEndpoint(() => valid);
    const source = vi.fn(() => Promise.resolve(rotated));
    const provider = createTokenProvider({
      credentials: base,
      fetch: endpoint.fetch,
      credentialsSource: source,
    });

    const first = await provider.getToken();
    expect(source).not.toHaveBeenCalled();

    valid = NEW_CLIENT_SECRET; // the secret was rotated; the API then refuses the old token
    provider.invalidate(first);
    const second = await provider.getToken();
    expect(second).not.toBe(first);
    expect(source).toHaveBeenCalledOnce();
    expect(endpoint.secretsSent).toEqual([CLIENT_SECRET, NEW_CLIENT_SECRET]);
  });

  it('keeps the last credentials when the re-read fails', async () => {
    const endpoint = tokenEndpoint(() => CLIENT_SECRET);
    const source = vi.fn(() => Promise.reject(new Error('Secrets Manager is down')));
    const provider = createTokenProvider({
      credentials: base,
      fetch: endpoint.fetch,
      credentialsSource: source,
    });
    provider.invalidate(await provider.getToken());
    await expect(provider.getToken()).resolves.toBe('token-2');
    expect(endpoint.secretsSent).toEqual([CLIENT_SECRET, CLIENT_SECRET]);
  });

  it('without a source, a re-mint after rotation still uses the old secret (and fails)', async () => {
    let valid = CLIENT_SECRET;
    const endpoint = tokenEndpoint(() => valid);
    const provider = createTokenProvider({ credentials: base, fetch: endpoint.fetch });
    const first = await provider.getToken();
    valid = NEW_CLIENT_SECRET;
    provider.invalidate(first);
    await expect(provider.getToken()).rejects.toThrow(/HTTP 401/);
  });
});
