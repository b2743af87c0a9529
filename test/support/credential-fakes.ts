/** Shared fakes for the credentials unit tests: vendor answers, captured output, secret values. */
import { vi } from 'vitest';
import type {
  ClaimedCredentials,
  CredentialRotation,
  ResponseMeta,
  SignupRequest,
} from '../../src/client/contract.ts';
import { SimulacraApiError } from '../../src/client/errors.ts';
import type { OnboardingCliDeps } from '../../src/cli/credential-support.ts';

/** Values that must never show up in any output. */
export const CLIENT_SECRET = 'sk-super-secret-value-7f3a9c';
export const NEW_CLIENT_SECRET = 'sk-rotated-secret-value-0b1d2e';
export const CLAIM_TOKEN = 'cred_0123456789abcdef0123456789abcdef';
export const ROTATION_CLAIM_TOKEN = 'cred_fedcba9876543210fedcba9876543210';
export const SECRETS = [CLIENT_SECRET, NEW_CLIENT_SECRET, CLAIM_TOKEN, ROTATION_CLAIM_TOKEN];

export const meta = (httpStatus = 200, xRequestId = 'xr_test_1'): ResponseMeta => ({
  httpStatus,
  xRequestId,
  attempts: 1,
});

export function signup(overrides: Partial<SignupRequest> = {}): SignupRequest {
  return {
    request_id: 'req_abc123',
    status: 'pending',
    client_id: null,
    credential_claim_token: null,
    meta: meta(202),
    ...overrides,
  };
}

export function approved(overrides: Partial<SignupRequest> = {}): SignupRequest {
  return signup({
    status: 'approved',
    client_id: 'acme_m2m_1',
    credential_claim_token: CLAIM_TOKEN,
    meta: meta(200),
    ...overrides,
  });
}

export function claimed(overrides: Partial<ClaimedCredentials> = {}): ClaimedCredentials {
  return {
    client_id: 'acme_m2m_1',
    client_secret: CLIENT_SECRET,
    token_url: 'https://auth.example.test/oauth/token',
    audience: 'https://api.simulacra-data.com',
    grant_type: 'client_credentials',
    purpose: 'initial',
    meta: meta(200, 'xr_claim_1'),
    ...overrides,
  };
}

export function rotation(overrides: Partial<CredentialRotation> = {}): CredentialRotation {
  return {
    rotation_request_id: 'rot_1',
    client_id: 'acme_m2m_1',
    status: 'completed',
    credential_claim_token: ROTATION_CLAIM_TOKEN,
    replayed: false,
    meta: meta(201, 'xr_rot_1'),
    ...overrides,
  };
}

export function problem(
  status: number,
  code: string | null,
  options: { operation?: string; retryAfterSeconds?: number } = {},
): SimulacraApiError {
  return new SimulacraApiError({
    operation: options.operation ?? 'test',
    problem: {
      type: code ? `https://api.simulacra-data.com/errors/${code}` : 'about:blank',
      title: 'Problem',
      status,
      detail: `problem ${code ?? status}`,
      code,
      request_id: 'req_problem1',
    },
    xRequestId: 'xr_problem_1',
    retryable: status === 429 || status >= 500,
    retryAfterSeconds: options.retryAfterSeconds ?? null,
  });
}

/** A fake open-route vendor. */
export function fakeOnboardingApi() {
  return {
    submitSignupRequest:
      vi.fn<(input: { company_name: string; contact_email: string }) => Promise<SignupRequest>>(),
    getSignupRequest: vi.fn<(requestId: string) => Promise<SignupRequest>>(),
    claimCredentials: vi.fn<(token: string) => Promise<ClaimedCredentials>>(),
  };
}

/** CLI dependencies with captured output. */
export function cliHarness(api: ReturnType<typeof fakeOnboardingApi>, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const verify = vi.fn<OnboardingCliDeps['verify']>((credentials) =>
    Promise.resolve({ client_id: credentials.client_id, tokenExpiresAt: Date.UTC(2030, 0, 1) }),
  );
  const apiBases: string[] = [];
  const deps: Partial<OnboardingCliDeps> = {
    env,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    api: (apiBase) => {
      apiBases.push(apiBase);
      return api;
    },
    verify,
    sleep: () => Promise.resolve(),
  };
  return {
    deps,
    out,
    err,
    verify,
    apiBases,
    /** Everything printed, to check nothing secret leaked. */
    all: () => [...out, ...err].join('\n'),
  };
}

/** Asserts none of the secret values appears in `text`. */
export function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) {
    if (text.includes(secret)) throw new Error(`output leaked a secret value (${secret.slice(0, 6)}...)`);
  }
}
