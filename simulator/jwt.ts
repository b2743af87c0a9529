/**
 * Minimal HS256 JSON Web Tokens (RFC 7519) with node:crypto: enough to issue Auth0-style M2M
 * access tokens and verify signature, audience and expiry on every bearer route.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims the simulator puts into an access token. */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly iat: number;
  readonly exp: number;
  readonly azp: string;
  readonly gty: 'client-credentials';
  /** Simulator extension: the credential generation the token was minted from. */
  readonly cgen: number;
}

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Signs `claims` as a compact HS256 JWT. */
export function signJwt(claims: AccessTokenClaims, key: Buffer): string {
  const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = base64url(JSON.stringify(claims));
  return `${head}.${body}.${hmac(key, `${head}.${body}`).toString('base64url')}`;
}

/**
 * Verifies a compact JWT: HS256 header, signature, `aud` and `exp` (seconds, against `nowMs`).
 * Returns the claims, or `null` for any failure (callers answer a uniform 401).
 */
export function verifyJwt(
  token: string,
  key: Buffer,
  expected: { audience: string; issuer: string; nowMs: number },
): AccessTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [head, body, sig] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(header) || header.alg !== 'HS256') return null;
  const want = hmac(key, `${head}.${body}`);
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  if (!isRecord(claims)) return null;
  if (claims.aud !== expected.audience || claims.iss !== expected.issuer) return null;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= expected.nowMs) return null;
  if (typeof claims.sub !== 'string' || typeof claims.cgen !== 'number') return null;
  return claims as unknown as AccessTokenClaims;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
