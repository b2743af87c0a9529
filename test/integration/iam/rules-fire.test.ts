/**
 * The IAM rules fire: with a needed grant removed from the synthesized template, the call that
 * needs it fails as on AWS and names function, action and resource; KMS use outside the token
 * cache's encryption context is refused; a missing object without `s3:ListBucket` is a 403; the
 * rotation function, invoked as Secrets Manager invokes it, is refused the key use Secrets Manager
 * makes for it when its key statement is cut.
 */
import { ListMultipartUploadsCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kms } from '../../../lambdas/commons/clients/kms.ts';
import { resetAwsClientsForTests } from '../../../lambdas/commons/clients/lazy.ts';
import { s3 } from '../../../lambdas/commons/clients/s3.ts';
import { IamAccessDeniedError, IamJudge } from '../../../src/local/iam/judge.ts';
import { invokeAs } from '../../../src/local/iam/sdk-recorder.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../../../src/local/environment.ts';
import { LocalPipelineRunner } from '../../../src/local/runner.ts';
import { rotationFunction } from '../../../lib/pipeline-functions.ts';
import { rotateWithFunction } from '../../support/credentials-harness.ts';

let env: LocalEnvironment;
beforeAll(async () => {
  resetAwsClientsForTests();
  // With the rotation function, so its role is judged too.
  env = await startLocalEnvironment({ credentialsRotation: true });
});
afterAll(async () => env?.close());

/** The local stack's judge over a copy of its template with `mutate` applied to every role policy. */
function judgeWith(
  mutate: (functionId: string, statements: { Sid?: string; Action: unknown }[]) => void,
): IamJudge {
  const policies = env.iam.policies;
  const roles = new Map(
    [...policies.roles].map(([id, role]) => {
      const copy = JSON.parse(JSON.stringify(role)) as typeof role;
      for (const policy of copy.policies)
        mutate(id, policy.policy.Statement as unknown as { Sid?: string; Action: unknown }[]);
      return [id, copy];
    }),
  );
  return new IamJudge({ ...policies, roles });
}

describe('IAM rules fire', () => {
  it('names function, action and resource when a needed grant is removed', async () => {
    const bucket = env.names.outputBucket;
    const call = () => s3().send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    await expect(invokeAs('LandArtifact', env.iam, call)).resolves.toBeDefined();
    const cut = judgeWith((id, statements) => {
      if (id !== 'LandArtifact') return;
      for (const statement of statements) {
        if (statement.Sid === 'OutputUploads') statement.Action = ['s3:ListBucket'];
      }
    });
    const denied = invokeAs('LandArtifact', cut, call);
    await expect(denied).rejects.toBeInstanceOf(IamAccessDeniedError);
    await expect(denied).rejects.toThrow(
      `function LandArtifact is not authorized to perform s3:ListBucketMultipartUploads on arn:aws:s3:::${bucket}`,
    );
    expect(cut.denied().map((c) => [c.functionId, c.action])).toEqual([
      ['LandArtifact', 's3:ListBucketMultipartUploads'],
    ]);
  });

  it('refuses the token cache key outside the token cache encryption context', async () => {
    const KeyId = env.env['TOKEN_CACHE_KEY_ARN'] ?? '';
    const encrypt = (purpose: string) => () =>
      kms().send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { purpose } }));
    // A judge of its own: the stack's judge fails the file at close on any denial.
    const judge = judgeWith(() => undefined);
    await expect(invokeAs('PollJob', judge, encrypt('simulacra-token-cache'))).resolves.toBeDefined();
    await expect(invokeAs('PollJob', judge, encrypt('something-else'))).rejects.toThrow(
      /PollJob is not authorized to perform kms:Encrypt/,
    );
    // A function that has no token cache grant cannot use the key at all.
    await expect(invokeAs('RecordRun', judge, encrypt('simulacra-token-cache'))).rejects.toThrow(
      /RecordRun is not authorized to perform kms:Encrypt/,
    );
  });

  it('answers a missing object with 403 to a function that may not list the bucket', async () => {
    const read = () =>
      s3().send(new GetObjectCommand({ Bucket: env.names.outputBucket, Key: '_manifests/none.json' }));
    await expect(invokeAs('RegisterCatalog', env.iam, read)).rejects.toMatchObject({ name: 'NoSuchKey' });
    const cut = judgeWith((id, statements) => {
      if (id !== 'RegisterCatalog') return;
      statements.splice(0, statements.length, ...statements.filter((s) => s.Sid !== 'OutputListing'));
    });
    await expect(invokeAs('RegisterCatalog', cut, read)).rejects.toThrow(
      /RegisterCatalog is not authorized to perform s3:ListBucket/,
    );
  });

  it('refuses the rotation function the key use Secrets Manager makes for it when the grant is cut', async () => {
    const cut = judgeWith((id, statements) => {
      if (id !== 'RotateCredentials') return;
      for (const statement of statements) {
        if (statement.Sid === 'RotateSecretKey') statement.Action = ['kms:Decrypt'];
      }
    });
    const runner = new LocalPipelineRunner({
      env: { ...env.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      iam: cut,
      functionLimits: env.stack.functionLimits,
    });
    const rotation = rotateWithFunction(
      env.clients.secretsManager,
      env.names.credentialsSecretArn,
      (event) => runner.invokeFunction(rotationFunction, event),
      ['createSecret'],
    );
    // The step keeps what it knows (the vendor rotated; storing failed) and names the refusal.
    const failed = (await rotation.catch((err: unknown) => err)) as Error;
    expect(failed).toMatchObject({ name: 'RotationStoreError' });
    expect(failed.message).toMatch(/storing it as AWSPENDING .* failed \(AccessDenied\)/);
    expect(failed.cause).toBeInstanceOf(IamAccessDeniedError);
    expect((failed.cause as Error).message).toMatch(
      /function RotateCredentials is not authorized to perform kms:GenerateDataKey on arn:aws:kms:\S+ \(used by secretsmanager for secretsmanager:PutSecretValue\)/,
    );
    expect(cut.denied().map((c) => [c.functionId, c.action])).toEqual([
      ['RotateCredentials', 'kms:GenerateDataKey'],
    ]);
    runner.dispose();
  });
});
