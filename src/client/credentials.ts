/**
 * Loads {@link VendorCredentials} from a Secrets Manager secret or from environment variables.
 * Secret JSON: `{ client_id, client_secret, token_url | auth0_domain, audience, api_base }`;
 * `auth0_domain` becomes `https://<domain>/oauth/token`. Errors name missing or invalid fields and
 * never contain their values.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../contracts/zod.ts';
import { SimulacraCredentialsError } from './errors.ts';
import type { VendorCredentials } from './token-provider.ts';

const httpUrl = z.string().check(
  z.trim(),
  z.refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === ''
      );
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without user info'),
);

const nonEmpty = z.string().check(z.trim(), z.minLength(1, 'must be a non-empty string'));

/** `acme.us.auth0.com` (a scheme or trailing slash is tolerated and removed). */
const domain = z
  .pipe(
    z.string().check(z.trim()),
    z.transform((value) => value.replace(/^https?:\/\//i, '').replace(/\/+$/, '')),
  )
  .check(
    z.refine(
      (value) => /^[A-Za-z0-9.-]+(:\d+)?$/.test(value),
      'must be a host name such as acme.us.auth0.com',
    ),
  );

const secretShape = z
  .object({
    client_id: nonEmpty,
    client_secret: nonEmpty,
    token_url: z.optional(httpUrl),
    auth0_domain: z.optional(domain),
    audience: nonEmpty,
    api_base: httpUrl,
  })
  .check(
    z.refine((value) => value.token_url !== undefined || value.auth0_domain !== undefined, {
      message: 'one of token_url or auth0_domain is required',
      path: ['token_url'],
    }),
  );

type RawCredentials = z.input<typeof secretShape>;

function describeIssues(
  error: z.ZodError,
  rename: (field: string) => string,
): { text: string; fields: string[] } {
  const fields: string[] = [];
  const parts: string[] = [];
  for (const issue of error.issues) {
    const field = rename(issue.path.map(String).join('.') || '(root)');
    if (!fields.includes(field)) fields.push(field);
    // Messages are our own or zod's type errors ("expected string, received undefined"); no values.
    const message = issue.code === 'invalid_type' ? `missing or not a ${issue.expected}` : issue.message;
    parts.push(`${field}: ${message}`);
  }
  return { text: parts.join('; '), fields };
}

function normalise(
  raw: RawCredentials,
  source: string,
  rename: (field: string) => string,
): VendorCredentials {
  const result = secretShape.safeParse(raw);
  if (!result.success) {
    const { text, fields } = describeIssues(result.error, rename);
    // zod skips the object-level refinement when a field already failed; report it anyway.
    const tokenField = rename('token_url');
    const tokenMissing =
      raw.token_url === undefined && raw.auth0_domain === undefined && !fields.includes(tokenField);
    const all = tokenMissing ? [...fields, tokenField] : fields;
    const message = tokenMissing
      ? `${text}; ${tokenField}: one of token_url or auth0_domain is required`
      : text;
    throw new SimulacraCredentialsError(`${source} is invalid: ${message}`, all);
  }
  const value = result.data;
  const tokenUrl = value.token_url ?? `https://${value.auth0_domain}/oauth/token`;
  return {
    client_id: value.client_id,
    client_secret: value.client_secret,
    token_url: tokenUrl,
    audience: value.audience,
    api_base: value.api_base.replace(/\/+$/, ''),
  };
}

/** Parses the secret's JSON text (exported for callers that already hold the string). */
export function parseCredentialsSecret(
  secretString: string,
  source = 'vendor credentials secret',
): VendorCredentials {
  let raw: unknown;
  try {
    raw = JSON.parse(secretString);
  } catch {
    throw new SimulacraCredentialsError(
      `${source} is not valid JSON; expected { client_id, client_secret, token_url | auth0_domain, audience, api_base }`,
      ['(root)'],
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SimulacraCredentialsError(`${source} must be a JSON object`, ['(root)']);
  }
  return normalise(raw as RawCredentials, source, (field) => field);
}

/** Reads and validates the vendor credentials secret (`SecretString` JSON). */
export async function loadCredentialsFromSecret(
  secretsManager: SecretsManagerClient,
  secretId: string,
  versionStage?: string,
): Promise<VendorCredentials> {
  const source = `secret ${secretId}`;
  let secretString: string | undefined;
  try {
    const response = await secretsManager.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        ...(versionStage ? { VersionStage: versionStage } : {}),
      }),
    );
    secretString = response.SecretString;
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw new SimulacraCredentialsError(`could not read ${source} (${name})`, ['(secret)'], { cause: err });
  }
  if (secretString === undefined) {
    throw new SimulacraCredentialsError(`${source} has no SecretString (binary secrets are not supported)`, [
      '(secret)',
    ]);
  }
  return parseCredentialsSecret(secretString, source);
}

/** Environment variable for each credential field. */
export const CREDENTIAL_ENV_VARS = {
  client_id: 'SIMULACRA_CLIENT_ID',
  client_secret: 'SIMULACRA_CLIENT_SECRET',
  token_url: 'SIMULACRA_TOKEN_URL',
  auth0_domain: 'SIMULACRA_AUTH0_DOMAIN',
  audience: 'SIMULACRA_AUTH0_AUDIENCE',
  api_base: 'SIMULACRA_API_BASE',
} as const;

/**
 * Reads credentials from `SIMULACRA_CLIENT_ID`, `SIMULACRA_CLIENT_SECRET`, `SIMULACRA_AUTH0_AUDIENCE`,
 * `SIMULACRA_API_BASE` and `SIMULACRA_TOKEN_URL` or `SIMULACRA_AUTH0_DOMAIN`. Errors name the variables.
 */
export function loadCredentialsFromEnv(env: NodeJS.ProcessEnv = process.env): VendorCredentials {
  const pick = (name: string) => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const raw = {
    client_id: pick(CREDENTIAL_ENV_VARS.client_id),
    client_secret: pick(CREDENTIAL_ENV_VARS.client_secret),
    token_url: pick(CREDENTIAL_ENV_VARS.token_url),
    auth0_domain: pick(CREDENTIAL_ENV_VARS.auth0_domain),
    audience: pick(CREDENTIAL_ENV_VARS.audience),
    api_base: pick(CREDENTIAL_ENV_VARS.api_base),
  } as RawCredentials;
  // The variables were once named SIMIO_*; say so rather than only "missing".
  const named = (variable: string): string => {
    const legacy = variable.replace(/^SIMULACRA_/, 'SIMIO_');
    return pick(legacy) === undefined
      ? variable
      : `${variable} (${legacy} is set but no longer read: rename it)`;
  };
  return normalise(raw, 'environment', (field) => {
    if (field === 'token_url')
      return `${named(CREDENTIAL_ENV_VARS.token_url)} (or ${named(CREDENTIAL_ENV_VARS.auth0_domain)})`;
    const variable = CREDENTIAL_ENV_VARS[field as keyof typeof CREDENTIAL_ENV_VARS];
    return variable === undefined ? field : named(variable);
  });
}
