import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { GetSecretValueCommandInput } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SimulacraApi } from '../../../src/client/contract.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import {
  InvalidRotationEventError,
  RotationClaimError,
  RotationRateLimitedError,
  RotationStateError,
  RotationStoreError,
  RotationTestError,
  parseRotationEvent,
  rotationIdempotencyKey,
  runRotationStep,
} from '../../../src/credentials/rotation.ts';
import type { RotationDeps, RotationStep } from '../../../src/credentials/rotation.ts';
import {
  CLIENT_SECRET,
  NEW_CLIENT_SECRET,
  ROTATION_CLAIM_TOKEN,
  claimed,
  expectNoSecrets,
  problem,
  rotation,
} from '../../support/credential-fakes.ts';

const sm = mockClient(SecretsManagerClient);
const SECRET_ID = 'simulacra/credentials';
const TOKEN = '3f1c2b8e-8a1d-4a57-9a9e-0d6c1a2b3c4d';
const CURRENT_VERSION = 'v-current-1';

const current: VendorCredentials = {
  client_id: 'acme_m2m_1',
  client_secret: CLIENT_SECRET,
  token_url: 'https://auth.example.test/oauth/token',
  audience: 'https://api.simulacra-data.com',
  api_base: 'https://api.example.test',
};
const pending: VendorCredentials = { ...current, client_secret: NEW_CLIENT_SECRET };

let stages: Record<string, string[]>;
let pendingValue: string | null;

const notFound = () => new ResourceNotFoundException({ message: 'no value', $metadata: {} });

function getSecretValue(input: GetSecretValueCommandInput) {
  if (input.VersionId === TOKEN || input.VersionStage === 'AWSPENDING') {
    if (pendingValue === null) throw notFound();
    return { VersionId: TOKEN, SecretString: pendingValue, VersionStages: ['AWSPENDING'] };
  }
  return { VersionId: CURRENT_VERSION, SecretString: JSON.stringify(current), VersionStages: ['AWSCURRENT'] };
}

function fakeVendor() {
  return {
    rotateCredentials: vi.fn<SimulacraApi['rotateCredentials']>(),
    claimCredentials: vi.fn<SimulacraApi['claimCredentials']>(() =>
      Promise.resolve(claimed({ client_secret: NEW_CLIENT_SECRET, purpose: 'rotation' })),
    ),
    listDatasets: vi.fn<SimulacraApi['listDatasets']>(() =>
      Promise.resolve({
        items: [],
        next_cursor: null,
        limit: 1,
        request_id: 'req_list1',
        meta: { httpStatus: 200, xRequestId: 'xr_list', attempts: 1 },
      }),
    ),
  };
}

function harness() {
  const vendor = fakeVendor();
  vendor.rotateCredentials.mockResolvedValue(rotation());
  const logs: string[] = [];
  const vendorFor = vi.fn(() => vendor);
  const verify = vi.fn((credentials: VendorCredentials) =>
    Promise.resolve({ client_id: credentials.client_id, tokenExpiresAt: Date.UTC(2030, 0, 1) }),
  );
  const deps: RotationDeps = {
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    vendorFor,
    verify,
    log: (message, details) => logs.push(`${message} ${JSON.stringify(details)}`),
    now: () => Date.UTC(2026, 10, 24, 12),
  };
  const step = (Step: RotationStep) =>
    runRotationStep({ SecretId: SECRET_ID, ClientRequestToken: TOKEN, Step }, deps);
  return { vendor, vendorFor, verify, deps, logs, step };
}

beforeEach(() => {
  sm.reset();
  stages = { [CURRENT_VERSION]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] };
  pendingValue = null;
  sm.on(DescribeSecretCommand).callsFake(() => ({
    Name: SECRET_ID,
    RotationEnabled: true,
    VersionIdsToStages: structuredClone(stages),
  }));
  sm.on(GetSecretValueCommand).callsFake(getSecretValue);
  sm.on(PutSecretValueCommand).callsFake((input: { SecretString: string }) => {
    pendingValue = input.SecretString;
    return { VersionId: TOKEN };
  });
  sm.on(UpdateSecretVersionStageCommand).resolves({});
});
afterEach(() => sm.reset());

describe('rotation preconditions', () => {
  it('refuses a secret without rotation enabled', async () => {
    sm.on(DescribeSecretCommand).resolves({ RotationEnabled: false, VersionIdsToStages: stages });
    await expect(harness().step('createSecret')).rejects.toThrow(RotationStateError);
  });

  it('refuses a token that is not a version of the secret', async () => {
    delete stages[TOKEN];
    await expect(harness().step('createSecret')).rejects.toThrow(/has no stage for rotation/);
  });

  it('refuses a version that is not AWSPENDING', async () => {
    stages[TOKEN] = ['AWSPREVIOUS'];
    await expect(harness().step('testSecret')).rejects.toThrow(/not staged AWSPENDING/);
  });

  it('does nothing for any step once the version is AWSCURRENT', async () => {
    stages = { [TOKEN]: ['AWSCURRENT'] };
    const h = harness();
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await h.step(step);
    }
    expect(h.vendor.rotateCredentials).not.toHaveBeenCalled();
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('validates the Lambda event', () => {
    expect(parseRotationEvent({ SecretId: 's', ClientRequestToken: 't', Step: 'testSecret' })).toEqual({
      SecretId: 's',
      ClientRequestToken: 't',
      Step: 'testSecret',
    });
    expect(() => parseRotationEvent({ SecretId: 's', Step: 'rotate' })).toThrow(InvalidRotationEventError);
    expect(() => parseRotationEvent({ SecretId: 's', Step: 'rotate' })).toThrow(/ClientRequestToken/);
  });
});

describe('createSecret', () => {
  it('rotates with the current credential and the token as Idempotency-Key, then stores AWSPENDING', async () => {
    const h = harness();
    await h.step('createSecret');
    expect(h.vendorFor).toHaveBeenCalledWith(current);
    expect(h.vendor.rotateCredentials).toHaveBeenCalledWith({ idempotencyKey: TOKEN });
    expect(h.vendor.claimCredentials).toHaveBeenCalledWith(ROTATION_CLAIM_TOKEN);
    const put = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      SecretId: SECRET_ID,
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
    });
    expect(JSON.parse(put.SecretString!)).toEqual(pending);
    expectNoSecrets(h.logs.join('\n'));
  });

  it('does nothing when this version already holds the pending value (retried step)', async () => {
    pendingValue = JSON.stringify(pending);
    const h = harness();
    await h.step('createSecret');
    expect(h.vendor.rotateCredentials).not.toHaveBeenCalled();
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('treats a value-less pending version (emulators) as not yet created', async () => {
    sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) =>
      input.VersionId === TOKEN ? { VersionId: TOKEN, VersionStages: ['AWSPENDING'] } : getSecretValue(input),
    );
    const h = harness();
    await h.step('createSecret');
    expect(h.vendor.rotateCredentials).toHaveBeenCalledOnce();
  });

  it('on the rate limit fails with a typed error and leaves no AWSPENDING behind', async () => {
    const h = harness();
    h.vendor.rotateCredentials.mockRejectedValue(
      problem(429, 'simio_rate_limited', { operation: 'rotateCredentials', retryAfterSeconds: 3600 }),
    );
    const err = await h.step('createSecret').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RotationRateLimitedError);
    const limited = err as RotationRateLimitedError;
    expect(limited.message).toContain('at most 3 rotations per 24 h');
    expect(limited.retryAt?.toISOString()).toBe('2026-11-24T13:00:00.000Z');
    expect(limited.message).toContain('Retry after 2026-11-24T13:00:00.000Z');
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(h.vendor.claimCredentials).not.toHaveBeenCalled();
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]!.args[0].input).toEqual({
      SecretId: SECRET_ID,
      VersionStage: 'AWSPENDING',
      RemoveFromVersionId: TOKEN,
    });
  });

  it('names the 24 h window when the vendor sends no Retry-After', async () => {
    const h = harness();
    h.vendor.rotateCredentials.mockRejectedValue(problem(429, null));
    await expect(h.step('createSecret')).rejects.toThrow(/once 24 h have passed/);
  });

  it('passes other vendor errors through without touching the secret', async () => {
    const h = harness();
    h.vendor.rotateCredentials.mockRejectedValue(problem(401, null));
    await expect(h.step('createSecret')).rejects.toThrow(/HTTP 401/);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });

  it('explains the support path when the rotation claim token is refused', async () => {
    const h = harness();
    h.vendor.claimCredentials.mockRejectedValue(problem(404, 'simio_credential_claim_not_found'));
    const err = (await h.step('createSecret').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RotationClaimError);
    expect(err.message).toContain('support@simulacra-data.com');
    expect(err.message).toContain('rotation_request_id rot_1');
    expect(err.message).toContain('client_id acme_m2m_1');
    expectNoSecrets(err.message);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('fails clearly when the rotation answer carries no claim token', async () => {
    const h = harness();
    h.vendor.rotateCredentials.mockResolvedValue(rotation({ credential_claim_token: null }));
    await expect(h.step('createSecret')).rejects.toThrow(RotationClaimError);
  });
});

describe('createSecret storage failure', () => {
  it('explains the support path when the claimed secret cannot be stored', async () => {
    sm.on(PutSecretValueCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    const h = harness();
    const err = (await h.step('createSecret').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RotationStoreError);
    expect(err.message).toContain('AccessDeniedException');
    expect(err.message).toContain('support@simulacra-data.com');
    expect(err.message).toContain('rotation_request_id rot_1');
    expectNoSecrets(err.message);
  });
});

describe('setSecret', () => {
  it('is a no-op: the vendor already switched during createSecret', async () => {
    const h = harness();
    await h.step('setSecret');
    expect(h.vendorFor).not.toHaveBeenCalled();
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
  });
});

describe('testSecret', () => {
  it('mints a token with the pending credential and makes one bearer call with it', async () => {
    pendingValue = JSON.stringify(pending);
    const h = harness();
    await h.step('testSecret');
    expect(h.verify).toHaveBeenCalledWith(pending);
    expect(h.vendorFor).toHaveBeenCalledWith(pending);
    expect(h.vendor.listDatasets).toHaveBeenCalledWith({ limit: 1 });
  });

  it('fails with RotationTestError when the pending credential does not mint', async () => {
    pendingValue = JSON.stringify(pending);
    const h = harness();
    h.verify.mockRejectedValue(new Error('token endpoint said 401'));
    const err = (await h.step('testSecret').catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RotationTestError);
    expect(err.message).toContain('token endpoint said 401');
    expectNoSecrets(err.message);
  });
});

describe('finishSecret', () => {
  it('moves AWSCURRENT to the new version and clears AWSPENDING', async () => {
    pendingValue = JSON.stringify(pending);
    await harness().step('finishSecret');
    const calls = sm.commandCalls(UpdateSecretVersionStageCommand).map((call) => call.args[0].input);
    expect(calls).toEqual([
      {
        SecretId: SECRET_ID,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: TOKEN,
        RemoveFromVersionId: CURRENT_VERSION,
      },
      { SecretId: SECRET_ID, VersionStage: 'AWSPENDING', RemoveFromVersionId: TOKEN },
    ]);
  });
});

describe('rotationIdempotencyKey', () => {
  it('uses a UUID token as is and hashes anything outside the vendor key format', () => {
    expect(rotationIdempotencyKey(TOKEN)).toBe(TOKEN);
    const hashed = rotationIdempotencyKey('token with spaces/and+slashes');
    expect(hashed).toMatch(/^smr:[0-9a-f]{64}$/);
    expect(rotationIdempotencyKey('token with spaces/and+slashes')).toBe(hashed);
  });
});
