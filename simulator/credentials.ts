/**
 * Onboarding and credentials: signup requests with operator approval, one-time expiring claim
 * tokens, self-service rotation (Idempotency-Key replay, 3 per 24 h) and operator-assisted
 * rotation requests. The old secret keeps minting until the new one is claimed.
 */
import { authenticate, hashSecret } from './auth.ts';
import { parseObjectBody, readBody } from './body.ts';
import type { SimContext } from './context.ts';
import { beginIdempotent, idempotencyKeyOf } from './idempotency.ts';
import { newClientId, newClientSecret, newHexId, newId } from './ids.ts';
import { ProblemError, invalidField, notFound } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';
import type { ClaimRecord, SignupRecord } from './store.ts';

const SIGNUP_ID = /^req_[A-Za-z0-9]{1,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DAY_MS = 24 * 3_600_000;

function liveClaimToken(ctx: SimContext, token: string | null): string | null {
  if (!token) return null;
  const claim = ctx.store.data.claims[token];
  return claim && claim.usedAt === null && claim.expiresAt > ctx.now() ? token : null;
}

function newClaim(ctx: SimContext, clientId: string, purpose: ClaimRecord['purpose']): string {
  const token = newHexId('cred_');
  ctx.sensitive.record('claim_token', token);
  ctx.store.data.claims[token] = {
    token,
    clientId,
    purpose,
    expiresAt: ctx.now() + ctx.config.retention.claimTtlMs,
    usedAt: null,
  };
  return token;
}

function signupBody(ctx: SimContext, signup: SignupRecord): Record<string, unknown> {
  const token = liveClaimToken(ctx, signup.claimToken);
  return {
    request_id: signup.requestId,
    status: signup.status,
    ...(signup.status === 'approved' && signup.clientId ? { client_id: signup.clientId } : {}),
    ...(signup.status === 'approved' && token ? { credential_claim_token: token } : {}),
  };
}

/** Creates a tenant and its (not yet claimed) client; returns the client id. */
export function createTenantClient(
  ctx: SimContext,
  companyName: string,
): { tenantId: string; clientId: string } {
  const tenantId = newId('ten_');
  const clientId = newClientId(companyName);
  ctx.store.data.tenants[tenantId] = {
    tenantId,
    companyName,
    rowQuota: ctx.config.limits.rowQuota,
    perRequestCap: ctx.config.limits.perRequestCap,
    rowsReserved: 0,
    rowsCommitted: 0,
  };
  ctx.store.data.clients[clientId] = { clientId, tenantId, secretHash: null, rotations: [] };
  return { tenantId, clientId };
}

/** Sets a client's secret directly (the demo tenant); returns the plaintext secret. */
export function issueSecret(ctx: SimContext, clientId: string): string {
  const client = ctx.store.data.clients[clientId];
  if (!client) throw new Error(`Unknown client ${clientId}.`);
  const secret = newClientSecret();
  client.secretHash = hashSecret(secret);
  ctx.sensitive.record('client_secret', secret);
  return secret;
}

/** Operator hook: approves a pending signup (creates tenant, client and claim token). */
export function approveSignup(ctx: SimContext, requestId: string): void {
  const signup = ctx.store.data.signups[requestId];
  if (!signup) throw new Error(`Unknown signup request ${requestId}.`);
  if (signup.status !== 'pending') return;
  const { clientId } = createTenantClient(ctx, signup.companyName);
  signup.status = 'approved';
  signup.clientId = clientId;
  signup.claimToken = newClaim(ctx, clientId, 'initial');
  ctx.store.save();
}

/** Operator hook: declines a pending signup. */
export function declineSignup(ctx: SimContext, requestId: string): void {
  const signup = ctx.store.data.signups[requestId];
  if (!signup) throw new Error(`Unknown signup request ${requestId}.`);
  if (signup.status !== 'pending') return;
  signup.status = 'declined';
  ctx.store.save();
}

/** Operator hook: completes an operator-assisted rotation request (issues its claim token). */
export function completeRotationRequest(ctx: SimContext, rotationRequestId: string): void {
  const rotation = ctx.store.data.rotations[rotationRequestId];
  if (!rotation) throw new Error(`Unknown rotation request ${rotationRequestId}.`);
  if (rotation.status === 'completed') return;
  rotation.status = 'completed';
  rotation.claimToken = newClaim(ctx, rotation.clientId, 'rotation');
  ctx.store.save();
}

/** `POST /v1/signup`. */
export async function submitSignup(
  ctx: SimContext,
  rc: RequestContext,
  autoApprove: boolean,
): Promise<Reply> {
  const body = parseObjectBody(rc.req, await readBody(rc.req, 64 * 1024));
  const company = body.company_name;
  const email = body.contact_email;
  if (typeof company !== 'string' || company.trim().length < 1 || company.length > 256) {
    throw invalidField("Field 'company_name' is required: a string of 1 to 256 characters.");
  }
  if (typeof email !== 'string' || email.length < 3 || email.length > 254 || !EMAIL.test(email)) {
    throw invalidField("Field 'contact_email' must be a valid email address up to 254 chars.");
  }
  const existing = Object.values(ctx.store.data.signups).find(
    (s) => s.contactEmail.toLowerCase() === email.toLowerCase() && s.status !== 'declined',
  );
  if (existing) return { status: 200, json: signupBody(ctx, existing) };
  const requestId = `req_${rc.requestId.slice(4)}`;
  const signup: SignupRecord = {
    requestId,
    companyName: company,
    contactEmail: email,
    status: 'pending',
    clientId: null,
    claimToken: null,
    createdAt: ctx.now(),
  };
  ctx.store.data.signups[requestId] = signup;
  const reply: Reply = { status: 202, json: { request_id: requestId, status: 'pending' } };
  if (autoApprove) approveSignup(ctx, requestId);
  ctx.store.save();
  return reply;
}

/** `GET /v1/signup/{request_id}`. */
export function getSignup(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const id = rc.params.request_id ?? '';
  const signup = SIGNUP_ID.test(id) ? ctx.store.data.signups[id] : undefined;
  if (!signup) throw notFound('simio_signup_not_found');
  return Promise.resolve({ status: 200, json: signupBody(ctx, signup) });
}

/** `POST /v1/credential-claims`: redeems a one-time claim token for the client secret. */
export async function claimCredentials(
  ctx: SimContext,
  rc: RequestContext,
  tokenUrl: string,
): Promise<Reply> {
  const body = parseObjectBody(rc.req, await readBody(rc.req, 64 * 1024));
  if (typeof body.claim_token !== 'string' || body.claim_token === '') {
    throw invalidField("Field 'claim_token' is required: the credential_claim_token you received.");
  }
  const claim = ctx.store.data.claims[body.claim_token];
  if (!claim || claim.usedAt !== null || claim.expiresAt <= ctx.now())
    throw notFound('simio_credential_claim_not_found');
  const secret = issueSecret(ctx, claim.clientId);
  claim.usedAt = ctx.now();
  ctx.store.save();
  return {
    status: 200,
    json: {
      client_id: claim.clientId,
      client_secret: secret,
      token_url: tokenUrl,
      audience: ctx.config.audience,
      grant_type: 'client_credentials',
      purpose: claim.purpose,
    },
    headers: { 'cache-control': 'no-store' },
  };
}

/** `POST /v1/credential-rotations`: self-service rotation, 201 then 200 on an idempotent replay. */
export async function rotateCredentials(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const { client } = authenticate(ctx, rc);
  await readBody(rc.req, 64 * 1024);
  const key = idempotencyKeyOf(rc, undefined);
  const started = beginIdempotent(ctx, `rotation|${client.clientId}`, key, 'rotation', 200);
  if ('replay' in started) return started.replay;
  const now = ctx.now();
  client.rotations = client.rotations.filter((t) => t > now - DAY_MS);
  if (client.rotations.length >= ctx.config.limits.rotationsPerDay) {
    started.slot.abandon();
    const retryAfter = Math.ceil(((client.rotations[0] ?? now) + DAY_MS - now) / 1000);
    throw new ProblemError(
      429,
      'simio_rate_limited',
      `At most ${ctx.config.limits.rotationsPerDay} credential rotations per 24 hours per client; retry after ${retryAfter} s.`,
      { headers: { 'retry-after': String(retryAfter) } },
    );
  }
  client.rotations.push(now);
  const rotationRequestId = newHexId('rot_');
  const claimToken = newClaim(ctx, client.clientId, 'rotation');
  ctx.store.data.rotations[rotationRequestId] = {
    rotationRequestId,
    clientId: client.clientId,
    kind: 'self-service',
    status: 'completed',
    reason: null,
    claimToken,
    createdAt: now,
  };
  const reply: Reply = {
    status: 201,
    json: {
      rotation_request_id: rotationRequestId,
      client_id: client.clientId,
      credential_claim_token: claimToken,
      request_id: rc.requestId,
    },
    headers: { 'cache-control': 'no-store' },
  };
  started.slot.complete(reply);
  ctx.store.save();
  return reply;
}

/** `POST /v1/credential-rotation-requests`: operator-assisted rotation, 202 pending. */
export async function createRotationRequest(
  ctx: SimContext,
  rc: RequestContext,
  autoApprove: boolean,
): Promise<Reply> {
  const { client } = authenticate(ctx, rc);
  const body = parseObjectBody(rc.req, await readBody(rc.req, 64 * 1024), { optional: true });
  if (body.reason !== undefined && typeof body.reason !== 'string') {
    throw invalidField("Field 'reason' must be a string.");
  }
  const rotationRequestId = newHexId('rot_');
  ctx.store.data.rotations[rotationRequestId] = {
    rotationRequestId,
    clientId: client.clientId,
    kind: 'operator',
    status: 'pending',
    reason: typeof body.reason === 'string' ? body.reason : null,
    claimToken: null,
    createdAt: ctx.now(),
  };
  const reply: Reply = {
    status: 202,
    json: {
      rotation_request_id: rotationRequestId,
      client_id: client.clientId,
      status: 'pending',
      request_id: rc.requestId,
    },
  };
  if (autoApprove) completeRotationRequest(ctx, rotationRequestId);
  ctx.store.save();
  return reply;
}

/** `GET /v1/credential-rotation-requests/{rotation_request_id}`; another client's id is 404. */
export function getRotationRequest(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const { client } = authenticate(ctx, rc);
  const rotation = ctx.store.data.rotations[rc.params.rotation_request_id ?? ''];
  if (!rotation || rotation.clientId !== client.clientId) throw notFound('simio_rotation_request_not_found');
  const token = rotation.status === 'completed' ? liveClaimToken(ctx, rotation.claimToken) : null;
  return Promise.resolve({
    status: 200,
    json: {
      rotation_request_id: rotation.rotationRequestId,
      client_id: rotation.clientId,
      status: rotation.status,
      ...(token ? { credential_claim_token: token } : {}),
      request_id: rc.requestId,
    },
  });
}
