/**
 * Secrets Manager rotation of the vendor credential, following the standard four-step protocol
 * (createSecret, setSecret, testSecret, finishSecret) with the vendor's self-service rotation
 * (`POST /v1/credential-rotations`) behind createSecret.
 *
 * Vendor semantics this relies on (contract notes §3, §7, §10 #9):
 * - The rotation call is authenticated with the CURRENT credential and rotates the secret at the
 *   vendor's identity provider atomically; the new secret is only reachable through the one-time
 *   claim token in that response. No grace period is documented for the old secret (the
 *   simulator retires it when the new one is claimed), so AWSCURRENT holds a retired secret from
 *   createSecret until finishSecret; the steps run back to back to keep that window to seconds.
 *   Already-minted bearer tokens are not documented either; Auth0 and the simulator keep them
 *   valid until they expire, and a 401 makes the pipeline re-mint from AWSCURRENT.
 * - An Idempotency-Key replay within 24 h returns the same claim token with HTTP 200, does not
 *   rotate again and does not use up the limit. We use the Secrets Manager ClientRequestToken
 *   (one per rotation) as the key, so a retried createSecret never rotates twice.
 * - At most 3 rotations per 24 h per client; the refusal is a 429.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { DescribeSecretCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadCredentialsFromSecret } from '../client/credentials.ts';
import { SimulacraApiError } from '../client/errors.ts';
import { credentialsFromClaim, toSecretString } from './credential-secret.ts';
import { supportInstructions } from './onboarding.ts';
import {
  ROTATION_STEPS,
  RotationClaimError,
  RotationRateLimitedError,
  RotationStateError,
  RotationStoreError,
  RotationTestError,
  rotationIdempotencyKey,
} from './rotation-contract.ts';
import type { RotationDeps, RotationEvent } from './rotation-contract.ts';

export * from './rotation-contract.ts';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

/**
 * Runs one rotation step. Every step first checks the standard preconditions: rotation is
 * enabled, the token is a version of the secret, and it is staged AWSPENDING (a version that is
 * already AWSCURRENT means the rotation finished; the step does nothing).
 */
export async function runRotationStep(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const metadata = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!metadata.RotationEnabled) {
    throw new RotationStateError(`Secret ${secretId} is not enabled for rotation.`);
  }
  const stages = metadata.VersionIdsToStages?.[token];
  if (!stages) {
    throw new RotationStateError(`Secret version ${token} has no stage for rotation of secret ${secretId}.`);
  }
  if (stages.includes(CURRENT)) {
    deps.log?.('Version is already AWSCURRENT; nothing to do', { step, secretId, versionId: token });
    return;
  }
  if (!stages.includes(PENDING)) {
    throw new RotationStateError(
      `Secret version ${token} is not staged AWSPENDING for rotation of secret ${secretId}.`,
    );
  }
  switch (step) {
    case 'createSecret':
      return createSecret(secretId, token, deps);
    case 'setSecret':
      // Nothing to do: the vendor has no separate "set" phase. The rotation call in createSecret
      // already replaced the secret at the vendor's identity provider. The notes (§10 #9) leave open
      // whether the old secret survives until the claim (the simulator keeps it until then) or dies
      // at once; createSecret claims right after rotating, so either way the old secret is retired
      // by the end of createSecret and the only working one is in AWSPENDING.
      deps.log?.('setSecret: the vendor switched the credential during createSecret', {
        step,
        secretId,
        versionId: token,
      });
      return;
    case 'testSecret':
      return testSecret(secretId, token, deps);
    case 'finishSecret':
      return finishSecret(secretId, token, metadata, deps);
    default:
      throw new RotationStateError(
        `Unknown rotation step "${String(step)}"; expected one of ${ROTATION_STEPS.join(', ')}.`,
      );
  }
}

/**
 * The same rotation, on demand, for a secret Secrets Manager does not rotate (no rotation
 * function attached): createSecret, testSecret and finishSecret run back to back under a fresh
 * `token`, which also serves as the vendor Idempotency-Key (re-running with the same token after
 * an interruption does not rotate twice). Returns the new AWSCURRENT version id.
 */
export async function rotateOnDemand(secretId: string, token: string, deps: RotationDeps): Promise<string> {
  await createSecret(secretId, token, deps);
  await testSecret(secretId, token, deps);
  const metadata = await deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  await finishSecret(secretId, token, metadata, deps);
  return token;
}

async function pendingValueExists(
  secretsManager: SecretsManagerClient,
  secretId: string,
  token: string,
): Promise<boolean> {
  try {
    const out = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: PENDING }),
    );
    // Secrets Manager answers ResourceNotFound for the value-less version RotateSecret creates;
    // some emulators return it without a value instead.
    return out.SecretString !== undefined || out.SecretBinary !== undefined;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

function retryAtFrom(err: SimulacraApiError, now: number): Date | null {
  return err.retryAfterSeconds === null ? null : new Date(now + err.retryAfterSeconds * 1000);
}

/**
 * createSecret: rotate at the vendor with the current credential (Idempotency-Key = the
 * rotation's token), claim the new secret and store it as AWSPENDING of this version.
 */
async function createSecret(secretId: string, token: string, deps: RotationDeps): Promise<void> {
  const { secretsManager } = deps;
  if (await pendingValueExists(secretsManager, secretId, token)) {
    deps.log?.('createSecret: AWSPENDING value already stored', { secretId, versionId: token });
    return;
  }
  const current = await loadCredentialsFromSecret(secretsManager, secretId, CURRENT);
  const vendor = deps.vendorFor(current);
  let rotation;
  try {
    rotation = await vendor.rotateCredentials({ idempotencyKey: rotationIdempotencyKey(token) });
  } catch (err) {
    if (err instanceof SimulacraApiError && err.status === 429) {
      await releasePendingStage(secretsManager, secretId, token);
      throw new RotationRateLimitedError({
        retryAt: retryAtFrom(err, (deps.now ?? Date.now)()),
        xRequestId: err.xRequestId,
        cause: err,
      });
    }
    throw err;
  }
  deps.log?.('createSecret: vendor rotation accepted', {
    secretId,
    versionId: token,
    rotationRequestId: rotation.rotation_request_id,
    replayed: rotation.replayed,
    xRequestId: rotation.meta.xRequestId,
  });
  const reference = {
    clientId: rotation.client_id ?? current.client_id,
    rotationRequestId: rotation.rotation_request_id,
    xRequestId: rotation.meta.xRequestId,
  };
  if (!rotation.credential_claim_token) {
    throw new RotationClaimError(
      `The vendor rotated the credential of ${current.client_id} but sent no claim token.\n${supportInstructions(reference)}`,
      { cause: null },
    );
  }
  let claimed;
  try {
    claimed = await vendor.claimCredentials(rotation.credential_claim_token);
  } catch (err) {
    if (err instanceof SimulacraApiError && err.code === 'simio_credential_claim_not_found') {
      throw new RotationClaimError(
        `The rotation's claim token was refused (simio_credential_claim_not_found): it was already used or expired, so the new secret cannot be retrieved by this rotation.\n${supportInstructions(
          { ...reference, xRequestId: err.xRequestId, responseRequestId: err.requestId },
        )}`,
        { cause: err },
      );
    }
    throw err;
  }
  const next = credentialsFromClaim(claimed, {
    api_base: current.api_base,
    token_url: current.token_url,
    audience: current.audience,
  });
  try {
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: toSecretString(next),
        VersionStages: [PENDING],
      }),
    );
  } catch (err) {
    throw new RotationStoreError(
      `The vendor rotated the credential of ${next.client_id} and it was claimed, but storing it as AWSPENDING of secret ${secretId} failed (${
        err instanceof Error ? err.name : 'Error'
      }). The new secret was not logged or kept anywhere else, and the one in AWSCURRENT may no longer mint tokens.\n${supportInstructions(
        { ...reference, xRequestId: claimed.meta.xRequestId },
      )}`,
      { cause: err },
    );
  }
  deps.log?.('createSecret: new credential stored as AWSPENDING', {
    secretId,
    versionId: token,
    clientId: next.client_id,
  });
}

/**
 * After a refusal that rotated nothing, takes AWSPENDING off this (empty) version so the secret is
 * not left looking half-rotated and the next scheduled rotation can start. Best effort: the
 * refusal is what the caller needs to see.
 */
async function releasePendingStage(
  secretsManager: SecretsManagerClient,
  secretId: string,
  token: string,
): Promise<void> {
  try {
    await secretsManager.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secretId,
        VersionStage: PENDING,
        RemoveFromVersionId: token,
      }),
    );
  } catch {
    // Left staged: Secrets Manager reports the rotation as failed either way.
  }
}

/** testSecret: mint a token with the pending credential and make one read-only bearer call. */
async function testSecret(secretId: string, token: string, deps: RotationDeps): Promise<void> {
  const pending = await loadCredentialsFromSecret(deps.secretsManager, secretId, PENDING);
  try {
    const check = await deps.verify(pending);
    await deps.vendorFor(pending).listDatasets({ limit: 1 });
    deps.log?.('testSecret: pending credential minted a token and was accepted', {
      secretId,
      versionId: token,
      clientId: check.client_id,
    });
  } catch (err) {
    throw new RotationTestError(
      `The pending credential of secret ${secretId} (version ${token}) does not work: ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
}

/** finishSecret: move AWSCURRENT to this version (AWSPREVIOUS follows automatically). */
async function finishSecret(
  secretId: string,
  token: string,
  metadata: DescribeSecretCommandOutput,
  deps: RotationDeps,
): Promise<void> {
  const currentVersion = Object.entries(metadata.VersionIdsToStages ?? {}).find(([, stages]) =>
    stages.includes(CURRENT),
  )?.[0];
  await deps.secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: CURRENT,
      MoveToVersionId: token,
      ...(currentVersion ? { RemoveFromVersionId: currentVersion } : {}),
    }),
  );
  await deps.secretsManager.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: PENDING,
      RemoveFromVersionId: token,
    }),
  );
  deps.log?.('finishSecret: AWSCURRENT moved to the new version', {
    secretId,
    versionId: token,
    previousVersionId: currentVersion ?? null,
  });
}
