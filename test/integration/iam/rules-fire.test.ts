/**
 * The IAM rules fire: with a needed grant removed from the synthesized template, the call that
 * needs it fails as on AWS and names function, action and resource; KMS use outside the token
 * cache's encryption context is refused; a missing object without `s3:ListBucket` is a 403.
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

let env: LocalEnvironment;
beforeAll(async () => {
  resetAwsClientsForTests();
  env = await startLocalEnvironment();
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
});
