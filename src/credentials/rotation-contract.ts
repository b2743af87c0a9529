/**
 * What the credential rotation works with: the Secrets Manager rotation event and its steps, the
 * vendor's rotation limit, the typed errors each failure raises, the dependencies the steps need
 * (real or injected) and the vendor Idempotency-Key of one rotation. The steps are in `rotation.ts`.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import * as z from '../contracts/zod.ts';
import type { SimulacraApi } from '../client/contract.ts';
// Modules, not the client barrel: the barrel also carries the DynamoDB token cache, which the
// rotation function's bundle does not need.
import { SimulacraClient } from '../client/client.ts';
import type { FetchLike } from '../client/http.ts';
import { createTokenProvider, type VendorCredentials } from '../client/token-provider.ts';
import type { CredentialCheck } from './credential-secret.ts';
import { verifyCredentials } from './credential-secret.ts';

/** The four steps Secrets Manager invokes, in order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The event Secrets Manager sends to a rotation Lambda. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

const rotationEventSchema = z.object({
  SecretId: z.string().check(z.minLength(1)),
  ClientRequestToken: z.string().check(z.minLength(1)),
  Step: z.enum(ROTATION_STEPS),
});

/** The Lambda was invoked with something other than a Secrets Manager rotation event. */
export class InvalidRotationEventError extends Error {
  override readonly name = 'InvalidRotationEventError';
}

/**
 * Validates a rotation Lambda event.
 *
 * @throws InvalidRotationEventError naming every bad field.
 */
export function parseRotationEvent(event: unknown): RotationEvent {
  const parsed = rotationEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  throw new InvalidRotationEventError(
    `Not a Secrets Manager rotation event (${problems}). Expected {SecretId, ClientRequestToken, Step} with Step one of ${ROTATION_STEPS.join(', ')}.`,
  );
}

/** The vendor's rotation limit, as stated in its documentation. */
export const VENDOR_ROTATION_LIMIT = { rotations: 3, windowHours: 24 } as const;

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;

/** The secret is not set up for rotation, or the event does not match its versions. */
export class RotationStateError extends Error {
  override readonly name = 'RotationStateError';
}

/**
 * The vendor refused the rotation because of its limit of 3 rotations per 24 h per client.
 * Nothing was rotated and no AWSPENDING value was written; AWSCURRENT still works.
 */
export class RotationRateLimitedError extends Error {
  override readonly name = 'RotationRateLimitedError';
  readonly limit = VENDOR_ROTATION_LIMIT;
  /** When a retry may succeed, from the vendor's Retry-After; null when it did not say. */
  readonly retryAt: Date | null;
  readonly xRequestId: string | null;
  constructor(input: { retryAt: Date | null; xRequestId: string | null; cause: unknown }) {
    super(
      `The vendor refused the credential rotation: at most ${VENDOR_ROTATION_LIMIT.rotations} rotations per ${VENDOR_ROTATION_LIMIT.windowHours} h per client. ${
        input.retryAt
          ? `Retry after ${input.retryAt.toISOString()}.`
          : `Retry once ${VENDOR_ROTATION_LIMIT.windowHours} h have passed since the oldest of the last ${VENDOR_ROTATION_LIMIT.rotations} rotations.`
      } The secret was not changed: AWSCURRENT is intact and no AWSPENDING value was written.`,
      { cause: input.cause },
    );
    this.retryAt = input.retryAt;
    this.xRequestId = input.xRequestId;
  }
}

/** The vendor rotated the credential but the new one could not be claimed (token used or expired). */
export class RotationClaimError extends Error {
  override readonly name = 'RotationClaimError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/**
 * The vendor rotated and the new secret was claimed, but storing it failed. The secret is shown
 * only once, so the way back is the vendor's support path.
 */
export class RotationStoreError extends Error {
  override readonly name = 'RotationStoreError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/** The pending credential failed its test mint or test call. */
export class RotationTestError extends Error {
  override readonly name = 'RotationTestError';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
  }
}

/** What the rotation steps need; the Lambda wires the real ones, tests inject fakes. */
export interface RotationDeps {
  readonly secretsManager: SecretsManagerClient;
  /** A vendor client authenticated with `credentials`. */
  readonly vendorFor: (
    credentials: VendorCredentials,
  ) => Pick<SimulacraApi, 'rotateCredentials' | 'claimCredentials' | 'listDatasets'>;
  /** Mints one token with `credentials` (never returns the token). */
  readonly verify: (credentials: VendorCredentials) => Promise<CredentialCheck>;
  /** Log-safe progress messages (ids and stages only). */
  readonly log?: (message: string, details: Record<string, unknown>) => void;
  readonly now?: () => number;
}

/**
 * The real dependencies: a vendor client per credential (no shared token cache, so a test mint
 * never replaces the pipeline's cached token) and a test mint against the credential's token URL.
 * A 429 is retried only briefly: the vendor's limit is 24 h wide, so the refusal has to reach
 * Secrets Manager quickly.
 */
export function createRotationDeps(input: {
  secretsManager: SecretsManagerClient;
  fetch?: FetchLike;
  log?: RotationDeps['log'];
}): RotationDeps {
  const fetchOption = input.fetch ? { fetch: input.fetch } : {};
  return {
    secretsManager: input.secretsManager,
    vendorFor: (credentials) =>
      new SimulacraClient({
        apiBase: credentials.api_base,
        tokenProvider: createTokenProvider({ credentials, ...fetchOption }),
        retry: { maxAttempts: 3, maxDelayMs: 2_000, deadlineMs: 20_000 },
        ...fetchOption,
      }),
    verify: (credentials) => verifyCredentials(credentials, fetchOption),
    ...(input.log ? { log: input.log } : {}),
  };
}

/**
 * The vendor Idempotency-Key for one rotation: the ClientRequestToken itself when it fits the
 * vendor's key format (UUIDs do), otherwise a stable hash of it.
 */
export function rotationIdempotencyKey(clientRequestToken: string): string {
  if (IDEMPOTENCY_KEY.test(clientRequestToken)) return clientRequestToken;
  return `smr:${createHash('sha256').update(clientRequestToken).digest('hex').slice(0, 64)}`;
}
