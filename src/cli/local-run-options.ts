/**
 * Command-line options `demo` and `run` share (kept free of heavy imports so the CLI starts fast;
 * the run itself is loaded on demand from `./local-run-command.ts`).
 */
import { loadCredentialsFromEnv } from '../client/index.ts';
import type { ExternalApi } from '../local/environment.ts';
import { UsageError } from './usage-error.ts';

export { UsageError };
/** Options both commands take. */
export const sharedOptions = {
  mode: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  sql: { type: 'string' },
  'api-base': { type: 'string' },
  'token-url': { type: 'string' },
  audience: { type: 'string' },
  'client-id': { type: 'string' },
  'training-ms': { type: 'string' },
  'generation-ms': { type: 'string' },
  faults: { type: 'string' },
  'generation-mode': { type: 'string' },
} as const;

export const sharedUsage = `  --mode M             managed (default) or enterprise (KMS-encrypted artifacts)
  --out DIR            copy landed objects and manifests to DIR, mirroring their keys
  --json               print a machine-readable summary (always, with every scenario's outcome)
                       exit codes: 0 every scenario landed, 3 some landed (PARTIAL),
                       1 none landed (FAILED or refused), 2 bad arguments
  --plain              no spinner (the default when not a terminal)
  --sql QUERY          SQL over the landed data (one view per feed)
  --training-ms N      simulated training time (default 400)
  --generation-ms N    simulated generation time (default 300)
  --faults SPEC        inject simulator faults (see docs/simulator.md)
  --generation-mode M  simulator rows: perturbed (default), bootstrap (leaky) or copy (seed rows;
                       the publish gate quarantines them; see docs/quality.md)
  --api-base URL       use this Simulacra-compatible API instead of the simulator; credentials from
                       --token-url, --audience, --client-id or SIMULACRA_* variables; the client secret
                       only from SIMULACRA_CLIENT_SECRET (never a flag: it would land in shell history)`;

export type SharedValues = {
  [K in keyof typeof sharedOptions]?: (typeof sharedOptions)[K]['type'] extends 'boolean' ? boolean : string;
};

/** A non-negative integer flag value, or `fallback` when absent. */
export function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`--${flag} must be a non-negative integer, got "${value}"`);
  return n;
}

/** The simulator's generation mode from `--generation-mode` (default perturbed). */
export function generationModeFrom(values: SharedValues): 'perturbed' | 'bootstrap' | 'copy' {
  const mode = values['generation-mode'] ?? 'perturbed';
  if (mode === 'perturbed' || mode === 'bootstrap' || mode === 'copy') return mode;
  throw new UsageError(`--generation-mode must be perturbed, bootstrap or copy, got "${mode}"`);
}

/** The external API from flags over `SIMULACRA_*`, or null for the built-in simulator. */
export function externalApiFrom(
  values: SharedValues,
  env: NodeJS.ProcessEnv = process.env,
): ExternalApi | null {
  const apiBase = values['api-base'] ?? null;
  if (!apiBase) return null;
  const merged: NodeJS.ProcessEnv = {
    ...env,
    SIMULACRA_API_BASE: apiBase,
    ...(values['token-url'] ? { SIMULACRA_TOKEN_URL: values['token-url'] } : {}),
    ...(values.audience ? { SIMULACRA_AUTH0_AUDIENCE: values.audience } : {}),
    ...(values['client-id'] ? { SIMULACRA_CLIENT_ID: values['client-id'] } : {}),
  };
  const credentials = loadCredentialsFromEnv(merged);
  return {
    apiBase: credentials.api_base,
    tokenUrl: credentials.token_url,
    audience: credentials.audience,
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
  };
}
