/**
 * Onboarding with the vendor: submit the access request, wait for the decision, and the errors and
 * support text of the whole onboarding path. Claiming the one-time credential into a secret is in
 * `claim-into-secret.ts`. The CLI commands `signup`, `status` and `claim` are thin wrappers.
 */
import type { SignupRequest, SimulacraApi } from '../client/contract.ts';
import { classifyError } from '../client/problem.ts';

/** The vendor operations onboarding uses (all open routes). */
export type OnboardingApi = Pick<
  SimulacraApi,
  'submitSignupRequest' | 'getSignupRequest' | 'claimCredentials'
>;

/** The vendor's support address for credential problems. */
export const VENDOR_SUPPORT_EMAIL = 'support@simulacra-data.com';

const SIGNUP_REQUEST_ID = /^req_[A-Za-z0-9]{1,64}$/;

/** A signup request id that the vendor would answer with 404. */
export class InvalidSignupRequestIdError extends Error {
  override readonly name = 'InvalidSignupRequestIdError';
  constructor(requestId: string) {
    super(
      `"${requestId}" is not a signup request id: it must look like req_ followed by 1-64 letters or digits, exactly as "signup" printed it.`,
    );
  }
}

/** Simulacra declined the access request. */
export class SignupDeclinedError extends Error {
  override readonly name = 'SignupDeclinedError';
  readonly requestId: string;
  constructor(requestId: string) {
    super(
      `Signup request ${requestId} was declined by Simulacra. Contact ${VENDOR_SUPPORT_EMAIL} with the request id, or submit a new request.`,
    );
    this.requestId = requestId;
  }
}

/** The request is still undecided when the polling deadline passed (or when claiming). */
export class SignupPendingError extends Error {
  override readonly name = 'SignupPendingError';
  readonly requestId: string;
  readonly status: string;
  constructor(requestId: string, status: string, reason: string) {
    super(
      `Signup request ${requestId} is still ${status}: ${reason}. Run "signup status --request-id ${requestId} --wait" again later.`,
    );
    this.requestId = requestId;
    this.status = status;
  }
}

/** What support needs to re-issue a credential; never includes a token or secret. */
export interface SupportReference {
  readonly requestId?: string | null;
  readonly clientId?: string | null;
  readonly xRequestId?: string | null;
  readonly responseRequestId?: string | null;
  readonly rotationRequestId?: string | null;
}

/** The support path for a credential that can no longer be claimed, as printable text. */
export function supportInstructions(reference: SupportReference): string {
  const facts = [
    reference.requestId ? `signup request_id ${reference.requestId}` : null,
    reference.rotationRequestId ? `rotation_request_id ${reference.rotationRequestId}` : null,
    reference.clientId ? `client_id ${reference.clientId}` : null,
    reference.xRequestId ? `X-Request-Id ${reference.xRequestId}` : null,
    reference.responseRequestId && reference.responseRequestId !== reference.requestId
      ? `response request_id ${reference.responseRequestId}`
      : null,
  ].filter((fact): fact is string => fact !== null);
  return [
    `Email ${VENDOR_SUPPORT_EMAIL} and include: ${facts.length ? facts.join(', ') : 'your client_id'}.`,
    'Do not send any client secret or claim token. Simulacra rotates the credential operator-side and',
    'delivers a new claim token over a secure channel. Submitting the signup again does NOT re-issue',
    'a claim token once the first one was claimed or has expired.',
  ].join('\n');
}

/** The one-time claim token is gone: already used, expired, or never issued to this request. */
export class ClaimUnavailableError extends Error {
  override readonly name = 'ClaimUnavailableError';
  readonly reference: SupportReference;
  constructor(reason: string, reference: SupportReference, options?: { cause?: unknown }) {
    super(`${reason}\n${supportInstructions(reference)}`, options);
    this.reference = reference;
  }
}

/** The target secret does not exist and `--create` was not given (checked before claiming). */
export class CredentialSecretNotFoundError extends Error {
  override readonly name = 'CredentialSecretNotFoundError';
  constructor(secretId: string, options?: { cause?: unknown }) {
    super(
      `Secrets Manager secret "${secretId}" does not exist. Create it first, or pass --create (with a secret name, not an ARN) to let claim create it. Nothing was claimed.`,
      options,
    );
  }
}

/** `--create` was given with an ARN: Secrets Manager creates secrets by name. */
export class CreateNeedsNameError extends Error {
  override readonly name = 'CreateNeedsNameError';
  constructor(secretId: string) {
    super(
      `--create needs a secret name, but "${secretId}" is an ARN of a secret that does not exist. Pass the name instead. Nothing was claimed.`,
    );
  }
}

/**
 * The credential was claimed but could not be written to Secrets Manager. The secret is shown
 * only once, so the only way back is the vendor's support path.
 */
export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
  readonly reference: SupportReference;
  constructor(secretId: string, reference: SupportReference, options: { cause: unknown }) {
    super(
      `The credential was claimed but writing it to secret "${secretId}" failed (${describeCause(options.cause)}). The client secret was not printed or kept anywhere else.\n${supportInstructions(reference)}`,
      options,
    );
    this.reference = reference;
  }
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/** Validates a signup request id before it reaches the vendor. */
export function assertSignupRequestId(requestId: string): void {
  if (!SIGNUP_REQUEST_ID.test(requestId)) throw new InvalidSignupRequestIdError(requestId);
}

/** Submits (or resumes: the vendor answers 200 for an email with an open request) an access request. */
export function submitSignup(
  api: OnboardingApi,
  input: { companyName: string; contactEmail: string },
): Promise<SignupRequest> {
  return api.submitSignupRequest({
    company_name: input.companyName,
    contact_email: input.contactEmail,
  });
}

/** Options for {@link waitForSignupDecision}. */
export interface PollOptions {
  /** Give up after this long (ms). */
  readonly deadlineMs: number;
  /** First delay between polls (ms); the vendor's examples poll every 2 s. */
  readonly initialDelayMs?: number;
  /** Largest delay between polls (ms). */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Called after every poll (e.g. to print progress). */
  readonly onPoll?: (request: SignupRequest) => void;
}

/**
 * The delay before poll number `attempt` (0-based): exponential growth capped at `maxDelayMs`,
 * with "equal jitter" (half fixed, half random) so many waiting clients do not poll in step.
 */
export function pollDelayMs(
  attempt: number,
  options: { initialDelayMs: number; maxDelayMs: number; random: () => number },
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 1.6 ** attempt);
  return Math.round(base / 2 + (base / 2) * options.random());
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the signup has a final answer (approved or declined). */
export function isSignupDecided(request: Pick<SignupRequest, 'status'>): boolean {
  return request.status === 'approved' || request.status === 'declined';
}

/**
 * Polls the signup request until it is approved or declined, with jittered exponential backoff.
 * Unknown statuses and retryable errors (network, 5xx after the client's own retries) keep
 * polling; a terminal error (e.g. 404 for an unknown id) stops.
 *
 * @returns the approved request.
 * @throws SignupDeclinedError, SignupPendingError (deadline passed), or the client's terminal error.
 */
export async function waitForSignupDecision(
  api: OnboardingApi,
  requestId: string,
  options: PollOptions,
): Promise<SignupRequest> {
  assertSignupRequestId(requestId);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const delays = {
    initialDelayMs: options.initialDelayMs ?? 2_000,
    maxDelayMs: options.maxDelayMs ?? 30_000,
    random: options.random ?? Math.random,
  };
  const deadline = now() + options.deadlineMs;
  let lastStatus = 'unknown';
  for (let attempt = 0; ; attempt += 1) {
    try {
      const request = await api.getSignupRequest(requestId);
      options.onPoll?.(request);
      lastStatus = request.status;
      if (request.status === 'declined') throw new SignupDeclinedError(requestId);
      if (request.status === 'approved') return request;
    } catch (err) {
      if (err instanceof SignupDeclinedError || classifyError(err) === 'terminal') throw err;
    }
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new SignupPendingError(requestId, lastStatus, 'the polling deadline passed');
    }
    await sleep(Math.min(remaining, pollDelayMs(attempt, delays)));
  }
}
