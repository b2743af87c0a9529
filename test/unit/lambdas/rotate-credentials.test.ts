import '../../support/lambda-env.ts';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambdas/rotate-credentials.ts';
import { InvalidRotationEventError } from '../../../src/credentials/rotation.ts';
import { context } from '../../support/lambda-env.ts';

const sm = mockClient(SecretsManagerClient);
const TOKEN = '3f1c2b8e-8a1d-4a57-9a9e-0d6c1a2b3c4d';

beforeEach(() => {
  sm.reset();
  sm.on(DescribeSecretCommand).resolves({
    RotationEnabled: true,
    VersionIdsToStages: { 'v-1': ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] },
  });
  sm.on(UpdateSecretVersionStageCommand).resolves({});
});
afterEach(() => sm.reset());

describe('rotate-credentials handler', () => {
  it('rejects an event that is not a rotation event, naming the fields', async () => {
    const err = await handler({ SecretId: 'x', Step: 'deleteSecret' }, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRotationEventError);
    expect((err as Error).message).toContain('ClientRequestToken');
    expect((err as Error).message).toContain('Step');
  });

  it('runs setSecret as a no-op and finishSecret as a stage move', async () => {
    await handler({ SecretId: 'simulacra', ClientRequestToken: TOKEN, Step: 'setSecret' }, context);
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    await handler({ SecretId: 'simulacra', ClientRequestToken: TOKEN, Step: 'finishSecret' }, context);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)[0]!.args[0].input).toEqual({
      SecretId: 'simulacra',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: TOKEN,
      RemoveFromVersionId: 'v-1',
    });
  });

  it('refuses a secret without rotation enabled', async () => {
    sm.on(DescribeSecretCommand).resolves({ RotationEnabled: false });
    await expect(
      handler({ SecretId: 'simulacra', ClientRequestToken: TOKEN, Step: 'createSecret' }, context),
    ).rejects.toThrow(/not enabled for rotation/);
  });
});
