import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { SimulacraPipeline } from '../../../lib/simulacra-pipeline.ts';
import { fastApp, TEST_ENV } from '../../support/infra-fixtures.ts';

describe('SimulacraPipeline with resources from another stack', () => {
  it('uses an existing seed bucket and key from a shared stack in a fresh App', () => {
    const app = fastApp();
    const shared = new Stack(app, 'Shared', { env: TEST_ENV });
    const key = new kms.Key(shared, 'LakeKey', {
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const seedBucket = new s3.Bucket(shared, 'Seeds', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      eventBridgeEnabled: true,
      enforceSSL: true,
    });
    const consumer = new Stack(app, 'Consumer', { env: TEST_ENV });
    const pipeline = new SimulacraPipeline(consumer, 'Pipeline', { seedBucket, encryptionKey: key });

    const assembly = app.synth();
    expect(assembly.getStackByName('Consumer').dependencies.map((d) => d.id)).toContain('Shared');
    const template = Template.fromStack(consumer);
    // No seed bucket of its own; output, query results and access logs are still created.
    template.resourceCountIs('AWS::S3::Bucket', 3);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(pipeline.seedBucket).toBe(seedBucket);
    const text = JSON.stringify(template.toJSON());
    expect(text).toContain('Fn::ImportValue');
    // The starter's rule matches the imported bucket's name.
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        detail: { bucket: { name: [{ 'Fn::ImportValue': Match.stringLikeRegexp('Seeds') }] } },
      },
    });
  });

  it('uses imported (by ARN/name) buckets and key without touching their policies', () => {
    const app = fastApp();
    const consumer = new Stack(app, 'Consumer', { env: TEST_ENV });
    const key = kms.Key.fromKeyArn(consumer, 'Key', 'arn:aws:kms:us-east-1:123456789012:key/existing');
    const seedBucket = s3.Bucket.fromBucketAttributes(consumer, 'Seeds', {
      bucketName: 'existing-seeds',
      encryptionKey: key,
    });
    const outputBucket = s3.Bucket.fromBucketAttributes(consumer, 'Out', {
      bucketName: 'existing-lake',
      encryptionKey: key,
    });
    const pipeline = new SimulacraPipeline(consumer, 'Pipeline', {
      seedBucket,
      outputBucket,
      encryptionKey: key,
      glueDatabaseName: 'existing_lake',
    });
    const template = Template.fromStack(consumer);
    // Only the query-results bucket and its access-log bucket are created.
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::Glue::Database', 0);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { OUTPUT_BUCKET_NAME: 'existing-lake', OUTPUT_KMS_KEY_ARN: key.keyArn } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { GLUE_DATABASE_NAME: 'existing_lake', SEED_BUCKET_NAME: Match.absent() } },
    });
    // Nothing edits the imported key's policy; grants are identity policies on the key ARN.
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(JSON.stringify(template.toJSON())).toContain('key/existing');
    expect(pipeline.accessLogsBucket).toBeUndefined();
  });
});
