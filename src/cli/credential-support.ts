/**
 * What the onboarding CLI commands (`signup`, `status`, `claim`) share: option parsing with
 * `SIMULACRA_*` environment fallbacks, durations, the open-route vendor client, output sinks and
 * error reporting. Output goes through injectable sinks so tests can capture it.
 */
import { parseArgs } from 'node:util';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CliCommand } from './command.ts';
import type { SignupRequest } from '../client/contract.ts';
import { SimulacraApiError, SimulacraClient } from '../client/index.ts';
import type { VendorCredentials } from '../client/index.ts';
import type { CredentialCheck } from '../credentials/credential-secret.ts';
import { openRoutesOnly, verifyCredentials } from '../credentials/credential-secret.ts';
import type { OnboardingApi } from '../credentials/onboarding.ts';
import {
  InvalidSignupRequestIdError,
  SignupDeclinedError,
  SignupPendingError,
} from '../credentials/onboarding.ts';
import { UsageError } from './usage-error.ts';

export { UsageError };

/** Exit codes of the onboarding commands. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  declined: 3,
  stillPending: 4,
} as const;

/** Everything the onboarding commands touch outside the process; tests replace parts of it. */
export interface OnboardingCliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** A vendor client for the open routes at `apiBase`. */
  readonly api: (apiBase: string) => OnboardingApi;
  readonly secretsManager: () => SecretsManagerClient;
  readonly verify: (credentials: VendorCredentials) => Promise<CredentialCheck>;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The real dependencies: console output, the vendor over HTTP, Secrets Manager from the SDK chain. */
export function defaultOnboardingCliDeps(): OnboardingCliDeps {
  return {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    api: (apiBase) => new SimulacraClient({ apiBase, tokenProvider: openRoutesOnly }),
    secretsManager: () => new SecretsManagerClient({}),
    verify: (credentials) => verifyCredentials(credentials),
  };
}

/** One option of a command: its flag, its environment fallback and its help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly env?: string;
  readonly help: string;
  readonly required?: boolean;
  readonly default?: string;
}

/** Parsed options: strings for string options, booleans for flags. */
export type ParsedOptions<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);

/**
 * Parses `args` against `spec`; a missing option falls back to its `SIMULACRA_*` variable, then its
 * default.
 *
 * @throws UsageError for unknown options, stray arguments or missing required options.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  args: readonly string[],
  spec: S,
  env: Readonly<Record<string, string | undefined>>,
): ParsedOptions<S> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(spec).map(([name, option]) => [name, { type: option.type }]),
      ),
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const out: Record<string, string | boolean | undefined> = {};
  const missing: string[] = [];
  for (const [name, option] of Object.entries(spec)) {
    const fromEnv = option.env ? env[option.env] : undefined;
    if (option.type === 'boolean') {
      out[name] = values[name] === true || (fromEnv !== undefined && TRUE_WORDS.has(fromEnv.toLowerCase()));
      continue;
    }
    const value = (values[name] as string | undefined) ?? (fromEnv || undefined) ?? option.default;
    if (option.required && !value) {
      missing.push(`--${name}${option.env ? ` (or ${option.env})` : ''}`);
    }
    out[name] = value;
  }
  if (missing.length) throw new UsageError(`Missing required option ${missing.join(', ')}.`);
  return out as ParsedOptions<S>;
}

/** Help text for a command's options. */
export function optionsHelp(usage: string, spec: Record<string, OptionSpec>): string {
  const lines = Object.entries(spec).map(([name, option]) => {
    const flag = option.type === 'string' ? `--${name} VALUE` : `--${name}`;
    const extras = [
      option.required ? 'required' : null,
      option.env ? `env ${option.env}` : null,
      option.default ? `default ${option.default}` : null,
    ].filter(Boolean);
    return `  ${flag.padEnd(24)} ${option.help}${extras.length ? ` (${extras.join(', ')})` : ''}`;
  });
  return [`Usage: ${usage}`, '', 'Options:', ...lines].join('\n');
}

/** `--api-base`: every onboarding command talks to the vendor at this base URL. */
export const API_BASE_OPTION = {
  type: 'string',
  env: 'SIMULACRA_API_BASE',
  required: true,
  help: 'Vendor API base URL',
} as const satisfies OptionSpec;

/** `--wait` and `--deadline`: poll for the signup decision, and for how long. */
export const WAIT_OPTIONS = {
  wait: { type: 'boolean', env: 'SIMULACRA_WAIT', help: 'Poll until the request is approved or declined' },
  deadline: { type: 'string', env: 'SIMULACRA_DEADLINE', default: '30m', help: 'How long --wait polls' },
} as const satisfies Record<string, OptionSpec>;

/** `--help`. */
export const HELP_OPTION = { type: 'boolean', help: 'Show this help' } as const satisfies OptionSpec;

/** How one onboarding command is defined: its options and what it does with them. */
export interface OnboardingCommandDefinition<S extends Record<string, OptionSpec>> {
  readonly summary: string;
  /** The usage line of the help text. */
  readonly usage: string;
  readonly spec: S;
  /** Runs the command with its parsed options; resolves to the exit code. */
  readonly run: (options: ParsedOptions<S>, deps: OnboardingCliDeps) => Promise<number>;
}

/**
 * Builds an onboarding command: `--help` prints the help, options are parsed against `spec`, and
 * any failure is reported (with the help text for bad usage) and mapped to its exit code.
 * `overrides` replace parts of the real dependencies (tests).
 */
export function defineOnboardingCommand<S extends Record<string, OptionSpec>>(
  definition: OnboardingCommandDefinition<S>,
  overrides: Partial<OnboardingCliDeps> = {},
): CliCommand {
  const help = optionsHelp(definition.usage, definition.spec);
  return {
    summary: definition.summary,
    async run(args) {
      const deps = { ...defaultOnboardingCliDeps(), ...overrides };
      try {
        if (args.includes('--help')) {
          deps.stdout(help);
          return ExitCode.ok;
        }
        return await definition.run(parseOptions(args, definition.spec, deps.env), deps);
      } catch (err) {
        return reportFailure(err, deps, help);
      }
    },
  };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration such as `30m`, `90s`, `2h`, `1500ms` or a bare number of seconds.
 *
 * @throws UsageError for anything else.
 */
export function parseDuration(text: string, option: string): number {
  const match = DURATION.exec(text.trim());
  if (!match?.[1]) {
    throw new UsageError(`--${option} "${text}" is not a duration; use e.g. 30m, 90s, 2h or 1500ms.`);
  }
  const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
  return Math.round(Number(match[1]) * UNIT_MS[unit]);
}

/**
 * Validates the vendor API base URL.
 *
 * @throws UsageError when it is not an absolute http(s) URL.
 */
export function parseApiBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--api-base "${text}" is not a URL; use e.g. https://api.simulacra-data.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--api-base must be an http(s) URL, got ${url.protocol}`);
  }
  return text.replace(/\/+$/, '');
}

/**
 * Reports a failed command on stderr and returns its exit code. Messages of the project's errors
 * never contain secrets or claim tokens; for vendor errors the support correlation ids are added.
 */
export function reportFailure(err: unknown, deps: Pick<OnboardingCliDeps, 'stderr'>, help?: string): number {
  if (err instanceof UsageError) {
    deps.stderr(`Error: ${err.message}`);
    if (help) deps.stderr(`\n${help}`);
    return ExitCode.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  deps.stderr(`Error: ${message}`);
  if (err instanceof SimulacraApiError) {
    const ids = [
      err.requestId ? `request_id ${err.requestId}` : null,
      err.xRequestId ? `X-Request-Id ${err.xRequestId}` : null,
    ].filter(Boolean);
    if (ids.length) deps.stderr(`Vendor correlation ids for support: ${ids.join(', ')}`);
  }
  if (err instanceof InvalidSignupRequestIdError) return ExitCode.usage;
  if (err instanceof SignupDeclinedError) return ExitCode.declined;
  if (err instanceof SignupPendingError) return ExitCode.stillPending;
  return ExitCode.failed;
}

/** Formats an epoch-ms instant for humans (ISO 8601, UTC). */
export const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** Prints where a signup request stands and what to run next; never prints the claim token. */
export function describeSignup(request: SignupRequest, deps: Pick<OnboardingCliDeps, 'stdout'>): void {
  deps.stdout(`request_id: ${request.request_id}`);
  deps.stdout(`status: ${request.status}`);
  if (request.client_id) deps.stdout(`client_id: ${request.client_id}`);
  if (request.status === 'approved') {
    deps.stdout(
      request.credential_claim_token
        ? `Approved: a one-time credential is ready to claim (the claim token is not shown). Next:\n  simulacra-pipeline claim --request-id ${request.request_id} --secret-id <secret name or ARN>`
        : 'Approved, but no claim token is on offer any more: it was already claimed or it expired. If the secret does not hold the credential, run "claim" for the support path.',
    );
  } else if (request.status === 'declined') {
    deps.stdout('Declined by Simulacra.');
  } else {
    deps.stdout(
      `Waiting for Simulacra to approve. Check again with:\n  simulacra-pipeline signup status --request-id ${request.request_id} --wait`,
    );
  }
}
