/**
 * Auth0-style client-credentials token endpoint (`POST /oauth/token`) and bearer verification
 * for every protected route. Failures on protected routes are the uniform 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseObjectBody, readBody } from './body.ts';
import { derivedKey, type SimContext } from './context.ts';
import { signJwt, verifyJwt } from './jwt.ts';
import { unauthorized } from './problems.ts';
import type { Reply, RequestContext } from './router.ts';
import type { ClientRecord, TenantRecord } from './store.ts';

/** The authenticated caller of a bearer route. */
export interface Caller {
  readonly client: ClientRecord;
  readonly tenant: TenantRecord;
}

/** sha256 hex of a client secret (only hashes are stored). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * The issuer claim of tokens minted by this simulator. Constant (not the API origin) so tokens
 * stay valid across a restart of a persisted simulator on another port, as Auth0 tokens would.
 */
export function issuer(_ctx: SimContext): string {
  return 'https://simulator.simulacra-data.local/';
}

function oauthError(status: number, error: string, description: string): Reply {
  return { status, json: { error, error_description: description } };
}

/** `POST /oauth/token`: JSON or form body `{grant_type, client_id, client_secret, audience}`. */
export async function mintToken(ctx: SimContext, rc: RequestContext): Promise<Reply> {
  const body = await readBody(rc.req, 64 * 1024);
  let fields: Record<string, unknown>;
  try {
    fields = parseObjectBody(rc.req, body, { allowForm: true });
  } catch {
    return oauthError(400, 'invalid_request', 'Send a JSON or form-encoded body.');
  }
  if (fields.grant_type !== 'client_credentials') {
    return oauthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
  }
  const clientId = typeof fields.client_id === 'string' ? fields.client_id : '';
  const secret = typeof fields.client_secret === 'string' ? fields.client_secret : '';
  const client = ctx.store.data.clients[clientId];
  const given = Buffer.from(hashSecret(secret), 'hex');
  const valid = client?.secretHash != null && timingSafeEqual(given, Buffer.from(client.secretHash, 'hex'));
  if (!client || !valid) return oauthError(401, 'access_denied', 'Unauthorized');
  if (fields.audience !== ctx.config.audience) {
    return oauthError(403, 'access_denied', `Service not found: ${String(fields.audience)}`);
  }
  const lifetime = ctx.faults.spec.tokenExpireSeconds ?? ctx.config.retention.tokenTtlSeconds;
  const iat = Math.floor(ctx.now() / 1000);
  const token = signJwt(
    {
      iss: issuer(ctx),
      sub: `${client.clientId}@clients`,
      aud: ctx.config.audience,
      iat,
      exp: iat + Math.max(1, Math.round(lifetime)),
      azp: client.clientId,
      gty: 'client-credentials',
      cgen: 1,
    },
    derivedKey(ctx, 'jwt'),
  );
  ctx.counters.add('tokenMints');
  ctx.sensitive.record('bearer_token', token);
  return {
    status: 200,
    json: { access_token: token, token_type: 'Bearer', expires_in: Math.max(1, Math.round(lifetime)) },
    headers: { 'cache-control': 'no-store' },
  };
}

/** Verifies the bearer token of `rc`; throws the uniform 401 on any failure. */
export function authenticate(ctx: SimContext, rc: RequestContext): Caller {
  const header = rc.req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m?.[1]) throw unauthorized();
  const claims = verifyJwt(m[1], derivedKey(ctx, 'jwt'), {
    audience: ctx.config.audience,
    issuer: issuer(ctx),
    nowMs: ctx.now(),
  });
  if (!claims) throw unauthorized();
  const client = ctx.store.data.clients[claims.azp];
  const tenant = client ? ctx.store.data.tenants[client.tenantId] : undefined;
  if (!client || !tenant) throw unauthorized();
  return { client, tenant };
}
