import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SimulacraClient,
  TokenMintError,
  createTokenProvider,
  tokenCacheKey,
} from '../../../src/client/index.ts';
import type { CachedToken, TokenCache, VendorCredentials } from '../../../src/client/index.ts';
import { DATASET, json, startTestServer } from '../../support/client-helpers.ts';
import type { Handler, TestServer } from '../../support/client-helpers.ts';

let auth: TestServer;
beforeAll(async () => {
  auth = await startTestServer();
});
afterAll(() => auth.close());

const SECRET = 'very-secret-client-secret';
function credentials(): VendorCredentials {
  return {
    client_id: 'cid',
    client_secret: SECRET,
    token_url: `${auth.origin}/oauth/token`,
    audience: 'https://api.example',
    api_base: 'http://x',
  };
}

let minted = 0;
const mintHandler =
  (expiresIn = 86_400): Handler =>
  (_req, res) => {
    minted += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    setTimeout(
      () =>
        res.end(
          JSON.stringify({ access_token: `jwt-${minted}`, expires_in: expiresIn, token_type: 'Bearer' }),
        ),
      20,
    );
  };

describe('createTokenProvider', () => {
  it('mints once for 50 concurrent callers with a cold cache (single-flight)', async () => {
    auth.script(mintHandler());
    const provider = createTokenProvider({ credentials: credentials() });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(auth.requests).toHaveLength(1);
    const body = JSON.parse(auth.requests[0]!.body!.toString());
    expect(body).toEqual({
      grant_type: 'client_credentials',
      client_id: 'cid',
      client_secret: SECRET,
      audience: 'https://api.example',
    });
  });

  it('mints once for 50 concurrent API calls through the client', async () => {
    auth.script(mintHandler());
    const api = await startTestServer();
    try {
      api.script(json(200, DATASET));
      const client = new SimulacraClient({
        apiBase: api.origin,
        tokenProvider: createTokenProvider({ credentials: credentials() }),
      });
      const results = await Promise.all(Array.from({ length: 50 }, () => client.getDataset('ds_abc')));
      expect(results).toHaveLength(50);
      expect(auth.requests).toHaveLength(1);
      expect(new Set(api.requests.map((r) => r.headers.authorization)).size).toBe(1);
    } finally {
      await api.close();
    }
  });

  it('caches until the expiry margin, then mints again', async () => {
    auth.script(mintHandler(3600));
    let now = 1_000_000;
    const provider = createTokenProvider({
      credentials: credentials(),
      now: () => now,
      expiryMarginMs: 60_000,
    });
    const first = await provider.getToken();
    now += 3600_000 - 61_000;
    expect(await provider.getToken()).toBe(first);
    now += 2_000;
    expect(await provider.getToken()).not.toBe(first);
    expect(auth.requests).toHaveLength(2);
  });

  it('re-mints after invalidate, and ignores invalidating a stale token', async () => {
    auth.script(mintHandler());
    const provider = createTokenProvider({ credentials: credentials() });
    const a = await provider.getToken();
    provider.invalidate('some-older-token');
    expect(await provider.getToken()).toBe(a);
    provider.invalidate(a);
    const b = await provider.getToken();
    expect(b).not.toBe(a);
    expect(auth.requests).toHaveLength(2);
  });

  it('uses a shared cache entry, skips a rejected one, and degrades to minting when the cache fails', async () => {
    auth.script(mintHandler());
    const store = new Map<string, CachedToken>();
    const cache: TokenCache = {
      get: (key) => Promise.resolve(store.get(key) ?? null),
      put: (key, value) => {
        store.set(key, value);
        return Promise.resolve();
      },
    };
    store.set(tokenCacheKey(credentials()), { accessToken: 'shared-jwt', expiresAt: Date.now() + 3_600_000 });
    const provider = createTokenProvider({ credentials: credentials(), cache });
    expect(await provider.getToken()).toBe('shared-jwt');
    expect(auth.requests).toHaveLength(0);
    provider.invalidate('shared-jwt');
    const fresh = await provider.getToken();
    expect(fresh).toMatch(/^jwt-/);
    expect(store.get('TOKEN#cid#https://api.example')!.accessToken).toBe(fresh);

    const broken: TokenCache = {
      get: () => Promise.reject(new Error('dynamo down')),
      put: () => Promise.reject(new Error('down')),
    };
    const degraded = createTokenProvider({ credentials: credentials(), cache: broken });
    expect(await degraded.getToken()).toMatch(/^jwt-/);
  });

  it('reports a refused grant as terminal without echoing the secret', async () => {
    auth.script((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'access_denied', error_description: `Unauthorized ${SECRET}` }));
    });
    const provider = createTokenProvider({ credentials: credentials() });
    const err = await provider.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenMintError);
    expect((err as TokenMintError).retryable).toBe(false);
    expect((err as Error).message).toContain('HTTP 401 access_denied');
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('reports a token endpoint outage as retryable', async () => {
    auth.script((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const err = await createTokenProvider({ credentials: credentials() })
      .getToken()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TokenMintError', retryable: true, status: 503 });
  });
});
