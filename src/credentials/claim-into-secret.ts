/**
 * Claiming an approved signup's one-time credential straight into a Secrets Manager secret, then
 * proving it by minting one token. Everything that can be checked without spending the one-time
 * token is checked first. The CLI command `claim` wraps {@link claimIntoSecret}.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SignupRequest } from '../client/contract.ts';
import { SimulacraApiError } from '../client/errors.ts';
import type { VendorCredentials } from '../client/token-provider.ts';
import type { CredentialCheck, CredentialDefaults } from './credential-secret.ts';
import { IncompleteCredentialsError, credentialsFromClaim, toSecretString } from './credential-secret.ts';
import {
  ClaimUnavailableError,
  CreateNeedsNameError,
  CredentialSecretNotFoundError,
  CredentialStoreError,
  SignupDeclinedError,
  SignupPendingError,
  assertSignupRequestId,
} from './onboarding.ts';
import type { OnboardingApi, SupportReference } from './onboarding.ts';

/** Where and how {@link claimIntoSecret} stores the credential. */
export interface ClaimInput {
  readonly api: OnboardingApi;
  readonly secretsManager: SecretsManagerClient;
  readonly requestId: string;
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Create the secret (by name) when it does not exist. */
  readonly create: boolean;
  /** KMS key for a secret created with `create`. */
  readonly kmsKeyId?: string | undefined;
  readonly defaults: CredentialDefaults;
  /** Proves the stored credential by minting one token. */
  readonly verify: (credentials: VendorCredentials) => Promise<CredentialCheck>;
}

/** The outcome of a claim: identifiers only, never the secret or the claim token. */
export interface ClaimResult {
  readonly clientId: string;
  readonly secretArn: string;
  readonly versionId: string | null;
  readonly created: boolean;
  readonly check: CredentialCheck;
}

/** Thrown by {@link claimIntoSecret} after storing a credential that misses token_url or audience. */
export class StoredIncompleteCredentialsError extends Error {
  override readonly name = 'StoredIncompleteCredentialsError';
  constructor(secretId: string, cause: IncompleteCredentialsError) {
    super(
      `The credential was claimed and stored in secret "${secretId}", but it has no ${cause.missing.join(' or ')}. Add ${cause.missing.join(' and ')} to the secret JSON (values from Simulacra) before using it.`,
      { cause },
    );
  }
}

const isArn = (secretId: string): boolean => secretId.startsWith('arn:');

async function secretExists(secretsManager: SecretsManagerClient, secretId: string): Promise<boolean> {
  try {
    await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

async function readClaimToken(
  api: OnboardingApi,
  requestId: string,
): Promise<{ request: SignupRequest; claimToken: string }> {
  const request = await api.getSignupRequest(requestId);
  if (request.status === 'declined') throw new SignupDeclinedError(requestId);
  if (request.status !== 'approved') {
    throw new SignupPendingError(requestId, request.status, 'there is nothing to claim yet');
  }
  if (!request.credential_claim_token) {
    throw new ClaimUnavailableError(
      `Signup request ${requestId} is approved but has no claim token any more: it was already claimed (check the secret) or it expired.`,
      { requestId, clientId: request.client_id, xRequestId: request.meta.xRequestId },
    );
  }
  return { request, claimToken: request.credential_claim_token };
}

/**
 * Claims the approved request's one-time credential and writes it straight into the secret, then
 * mints one token with it. Everything that can be checked without spending the one-time token
 * (id format, secret existence, approval) is checked first.
 */
export async function claimIntoSecret(input: ClaimInput): Promise<ClaimResult> {
  const { api, secretsManager, requestId, secretId } = input;
  assertSignupRequestId(requestId);
  const exists = await secretExists(secretsManager, secretId);
  if (!exists && !input.create) throw new CredentialSecretNotFoundError(secretId);
  if (!exists && isArn(secretId)) throw new CreateNeedsNameError(secretId);

  const { request, claimToken } = await readClaimToken(api, requestId);
  let claimed;
  try {
    claimed = await api.claimCredentials(claimToken);
  } catch (err) {
    if (err instanceof SimulacraApiError && err.code === 'simio_credential_claim_not_found') {
      throw new ClaimUnavailableError(
        `The claim token of signup request ${requestId} was refused (simio_credential_claim_not_found): it expired or was already used.`,
        {
          requestId,
          clientId: request.client_id,
          xRequestId: err.xRequestId,
          responseRequestId: err.requestId,
        },
        { cause: err },
      );
    }
    throw err;
  }

  const resolved = resolveClaim(claimed, input.defaults);
  // Store first, whatever we have: the client secret is shown only this once.
  const secretString = resolved.ok
    ? toSecretString(resolved.credentials)
    : JSON.stringify({
        client_id: claimed.client_id,
        client_secret: claimed.client_secret,
        token_url: claimed.token_url ?? input.defaults.token_url ?? undefined,
        audience: claimed.audience ?? input.defaults.audience ?? undefined,
        api_base: input.defaults.api_base,
      });
  const reference: SupportReference = {
    requestId,
    clientId: claimed.client_id,
    xRequestId: claimed.meta.xRequestId,
  };
  let stored: { arn: string; versionId: string | null };
  try {
    stored = exists
      ? await putSecret(secretsManager, secretId, secretString)
      : await createSecret(secretsManager, secretId, secretString, input.kmsKeyId);
  } catch (err) {
    throw new CredentialStoreError(secretId, reference, { cause: err });
  }
  if (!resolved.ok) throw new StoredIncompleteCredentialsError(secretId, resolved.error);
  const check = await input.verify(resolved.credentials);
  return {
    clientId: claimed.client_id,
    secretArn: stored.arn,
    versionId: stored.versionId,
    created: !exists,
    check,
  };
}

function resolveClaim(
  claimed: Parameters<typeof credentialsFromClaim>[0],
  defaults: CredentialDefaults,
): { ok: true; credentials: VendorCredentials } | { ok: false; error: IncompleteCredentialsError } {
  try {
    return { ok: true, credentials: credentialsFromClaim(claimed, defaults) };
  } catch (err) {
    if (err instanceof IncompleteCredentialsError) return { ok: false, error: err };
    throw err;
  }
}

async function putSecret(
  secretsManager: SecretsManagerClient,
  secretId: string,
  secretString: string,
): Promise<{ arn: string; versionId: string | null }> {
  const out = await secretsManager.send(
    new PutSecretValueCommand({ SecretId: secretId, SecretString: secretString }),
  );
  return { arn: out.ARN ?? secretId, versionId: out.VersionId ?? null };
}

async function createSecret(
  secretsManager: SecretsManagerClient,
  name: string,
  secretString: string,
  kmsKeyId: string | undefined,
): Promise<{ arn: string; versionId: string | null }> {
  const out = await secretsManager.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: secretString,
      Description: 'Simulacra Headless API machine-to-machine credential (simulacra-pipeline)',
      ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
    }),
  );
  return { arn: out.ARN ?? name, versionId: out.VersionId ?? null };
}
