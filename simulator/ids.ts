/** Identifier and secret generation in the vendor's formats. */
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random alphanumeric characters. */
export function alnum(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** `prefix` + 22 random alphanumerics, e.g. `ds_2YH3Kxq8wABC123def456`. */
export function newId(prefix: 'req_' | 'ds_' | 'gen_' | 'job_' | 'ten_'): string {
  return prefix + alnum(22);
}

/** `prefix` + 32 hex characters, e.g. `cred_0123…` (claim tokens) and `rot_…`. */
export function newHexId(prefix: 'cred_' | 'rot_'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** An Auth0-style client id derived from the company name, e.g. `acme_research_m2m_8f2a1c`. */
export function newClientId(companyName: string): string {
  const slug =
    companyName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || 'tenant';
  return `${slug}_m2m_${randomBytes(3).toString('hex')}`;
}

/** A ~64-character client secret without dots (so it never looks like a JWT). */
export function newClientSecret(): string {
  return randomBytes(48).toString('base64url');
}
