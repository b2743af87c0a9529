import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../simulator/index.ts';
import { mint, sessionFor } from '../../support/simulator-helpers.ts';

const UNIFORM_401 = {
  type: 'about:blank',
  title: 'Unauthorized',
  status: 401,
  detail: 'Invalid credentials.',
};

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('simulator auth', () => {
  let sim: RunningSimulator;
  let clock = Date.now();
  beforeAll(async () => {
    sim = await startSimulator({ now: () => clock });
  });
  afterAll(() => sim.close());

  it('mints HS256 JWTs from JSON or form bodies with expires_in', async () => {
    const { clientId, clientSecret } = sim.demoTenant;
    const res = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
        audience: sim.audience,
      }),
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 86400 });
    const [header] = String(body.access_token).split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(sim.counters().tokenMints).toBeGreaterThanOrEqual(1);
    expect(sim.sensitiveValues()).toEqual(
      expect.arrayContaining([
        { kind: 'client_secret', value: clientSecret },
        { kind: 'bearer_token', value: body.access_token },
      ]),
    );
  });

  it('refuses a wrong secret (401), a wrong audience (403) and another grant (400)', async () => {
    const { clientId, clientSecret } = sim.demoTenant;
    const base = {
      client_id: clientId,
      client_secret: clientSecret,
      audience: sim.audience,
      grant_type: 'client_credentials',
    };
    expect((await post(sim.tokenUrl, { ...base, client_secret: 'nope' })).status).toBe(401);
    expect((await post(sim.tokenUrl, { ...base, audience: 'https://other' })).status).toBe(403);
    expect((await post(sim.tokenUrl, { ...base, grant_type: 'password' })).status).toBe(400);
  });

  it('answers the uniform 401 for missing, malformed, secret-as-token and expired tokens', async () => {
    const { clientId, clientSecret } = sim.demoTenant;
    const token = await mint(sim, clientId, clientSecret);
    const cases = [undefined, 'Bearer garbage', `Bearer ${clientSecret}`, `Basic ${token}`];
    for (const authorization of cases) {
      const res = await fetch(`${sim.apiBase}/v1/datasets`, {
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-request-id')).toMatch(/^req_/);
      expect(await json(res)).toMatchObject(UNIFORM_401);
    }
    expect(
      (await fetch(`${sim.apiBase}/v1/datasets`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    clock += 86_400_000 + 1000;
    const expired = await fetch(`${sim.apiBase}/v1/datasets`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(expired.status).toBe(401);
    expect(await json(expired)).not.toHaveProperty('code');
    clock = Date.now();
  });
});

describe('simulator signup, claims and rotation', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('runs signup -> operator approval -> one-time claim -> token', async () => {
    const email = 'data-science@acme.example';
    const first = await post(`${sim.apiBase}/v1/signup`, {
      company_name: 'Acme Research',
      contact_email: email,
    });
    expect(first.status).toBe(202);
    const created = await json(first);
    expect(created).toEqual({
      request_id: expect.stringMatching(/^req_[A-Za-z0-9]{1,64}$/),
      status: 'pending',
    });
    const requestId = String(created.request_id);
    expect(first.headers.get('x-request-id')).toBe(requestId);

    const again = await post(`${sim.apiBase}/v1/signup`, {
      company_name: 'Acme',
      contact_email: email.toUpperCase(),
    });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ request_id: requestId, status: 'pending' });

    sim.operator.approveSignup(requestId);
    const approved = await json(await fetch(`${sim.apiBase}/v1/signup/${requestId}`));
    expect(approved).toMatchObject({
      status: 'approved',
      client_id: expect.stringMatching(/^acme_research_m2m_[0-9a-f]{6}$/),
    });
    const claimToken = String(approved.credential_claim_token);
    expect(claimToken).toMatch(/^cred_[0-9a-f]{32}$/);

    const claim = await post(`${sim.apiBase}/v1/credential-claims`, { claim_token: claimToken });
    expect(claim.status).toBe(200);
    const credentials = await json(claim);
    expect(credentials).toMatchObject({
      client_id: approved.client_id,
      token_url: sim.tokenUrl,
      audience: sim.audience,
      grant_type: 'client_credentials',
      purpose: 'initial',
    });
    expect(String(credentials.client_secret)).not.toContain('.');
    const reused = await post(`${sim.apiBase}/v1/credential-claims`, { claim_token: claimToken });
    expect(reused.status).toBe(404);
    expect(await json(reused)).toMatchObject({ code: 'simio_credential_claim_not_found' });

    const afterClaim = await json(await fetch(`${sim.apiBase}/v1/signup/${requestId}`));
    expect(afterClaim).toEqual({ request_id: requestId, status: 'approved', client_id: approved.client_id });
    await expect(
      mint(sim, String(credentials.client_id), String(credentials.client_secret)),
    ).resolves.toMatch(/^eyJ/);
  });

  it('validates signup fields, 404s unknown or malformed ids, and re-signs after a decline', async () => {
    const bad = await post(`${sim.apiBase}/v1/signup`, { company_name: 'X', contact_email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({
      code: 'simio_invalid_field',
      detail: expect.stringContaining('contact_email'),
    });
    const empty = await fetch(`${sim.apiBase}/v1/signup`, { method: 'POST', body: '{}' });
    expect(await json(empty)).toMatchObject({
      status: 400,
      detail: expect.stringContaining('request body is empty'),
    });
    for (const id of ['req_unknown', 'req_has-dash', 'nope']) {
      const res = await fetch(`${sim.apiBase}/v1/signup/${id}`);
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ code: 'simio_signup_not_found' });
    }
    const declined = await json(
      await post(`${sim.apiBase}/v1/signup`, { company_name: 'D', contact_email: 'd@d.example' }),
    );
    sim.operator.declineSignup(String(declined.request_id));
    expect(await json(await fetch(`${sim.apiBase}/v1/signup/${String(declined.request_id)}`))).toMatchObject({
      status: 'declined',
    });
    const retry = await post(`${sim.apiBase}/v1/signup`, { company_name: 'D', contact_email: 'd@d.example' });
    expect(retry.status).toBe(202);
  });

  it('auto-approves when configured', async () => {
    const auto = await startSimulator({ autoApprove: true });
    try {
      const created = await json(
        await post(`${auto.apiBase}/v1/signup`, { company_name: 'Auto', contact_email: 'a@auto.example' }),
      );
      const status = await json(await fetch(`${auto.apiBase}/v1/signup/${String(created.request_id)}`));
      expect(status).toMatchObject({
        status: 'approved',
        credential_claim_token: expect.stringMatching(/^cred_/),
      });
    } finally {
      await auto.close();
    }
  });

  it('rotates with Idempotency-Key replay (201 then 200), keeps the old secret until the claim, and limits to 3 per 24 h', async () => {
    const tenant = sim.operator.createTenant('Rotator Inc');
    const session = sessionFor(sim, tenant.clientId, tenant.clientSecret);
    const rotate = (key: string) =>
      session.api('/v1/credential-rotations', { method: 'POST', headers: { 'idempotency-key': key } });

    const first = await rotate('rot-key-1');
    expect(first.status).toBe(201);
    const rotation = await json(first);
    expect(rotation).toMatchObject({
      rotation_request_id: expect.stringMatching(/^rot_/),
      client_id: tenant.clientId,
      credential_claim_token: expect.stringMatching(/^cred_/),
    });
    const replay = await rotate('rot-key-1');
    expect(replay.status).toBe(200);
    expect(await json(replay)).toEqual(rotation);
    expect(sim.counters().idempotentReplays).toBeGreaterThanOrEqual(1);

    // The old secret still mints until the new one is claimed.
    await expect(mint(sim, tenant.clientId, tenant.clientSecret)).resolves.toMatch(/^eyJ/);
    const claimed = await json(
      await post(`${sim.apiBase}/v1/credential-claims`, { claim_token: rotation.credential_claim_token }),
    );
    expect(claimed).toMatchObject({ client_id: tenant.clientId, purpose: 'rotation' });
    await expect(mint(sim, tenant.clientId, tenant.clientSecret)).rejects.toThrow(/401/);
    await expect(mint(sim, tenant.clientId, String(claimed.client_secret))).resolves.toMatch(/^eyJ/);

    expect((await rotate('rot-key-2')).status).toBe(201);
    expect((await rotate('rot-key-3')).status).toBe(201);
    const limited = await rotate('rot-key-4');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await json(limited)).toMatchObject({ code: 'simio_rate_limited' });
    // A replay does not use the budget and still works.
    expect((await rotate('rot-key-2')).status).toBe(200);
    expect((await rotate('bad key!')).status).toBe(400);
  });

  it('runs operator-assisted rotation requests; another client gets 404', async () => {
    const tenant = sim.operator.createTenant('Assisted Ltd');
    const session = sessionFor(sim, tenant.clientId, tenant.clientSecret);
    const created = await session.api('/v1/credential-rotation-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'personnel change' }),
    });
    expect(created.status).toBe(202);
    const request = await json(created);
    expect(request).toMatchObject({ status: 'pending', client_id: tenant.clientId });
    const id = String(request.rotation_request_id);
    expect(await json(await session.api(`/v1/credential-rotation-requests/${id}`))).toMatchObject({
      status: 'pending',
    });
    sim.operator.completeRotationRequest(id);
    const done = await json(await session.api(`/v1/credential-rotation-requests/${id}`));
    expect(done).toMatchObject({
      status: 'completed',
      credential_claim_token: expect.stringMatching(/^cred_/),
    });

    const other = sessionFor(sim, sim.demoTenant.clientId, sim.demoTenant.clientSecret);
    const foreign = await other.api(`/v1/credential-rotation-requests/${id}`);
    expect(foreign.status).toBe(404);
    expect(await json(foreign)).toMatchObject({ code: 'simio_rotation_request_not_found' });
    const noBody = await session.api('/v1/credential-rotation-requests', { method: 'POST' });
    expect(noBody.status).toBe(202);
  });
});
