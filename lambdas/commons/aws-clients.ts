/**
 * AWS SDK clients shared by every handler in a container, created on first use. They use the
 * SDK's normal configuration chain, so `AWS_ENDPOINT_URL` (or the per-service variants) points
 * them at a local emulator such as moto; S3 also honours `AWS_S3_FORCE_PATH_STYLE=true`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

function lazy<T>(create: () => T): { get: () => T; reset: () => void } {
  let instance: T | undefined;
  return {
    get: () => (instance ??= create()),
    reset: () => {
      instance = undefined;
    },
  };
}

const s3Client = lazy(() => new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }));
const kmsClient = lazy(() => new KMSClient({}));
const dynamoClient = lazy(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);
const glueClient = lazy(() => new GlueClient({}));
const sfnClient = lazy(() => new SFNClient({}));
const eventBridgeClient = lazy(() => new EventBridgeClient({}));
const secretsManagerClient = lazy(() => new SecretsManagerClient({}));

/** The container's S3 client. */
export const s3 = (): S3Client => s3Client.get();
/** The container's KMS client. */
export const kms = (): KMSClient => kmsClient.get();
/** The container's DynamoDB document client (undefined values removed on write). */
export const dynamo = (): DynamoDBDocumentClient => dynamoClient.get();
/** The container's Glue client. */
export const glue = (): GlueClient => glueClient.get();
/** The container's Step Functions client. */
export const sfn = (): SFNClient => sfnClient.get();
/** The container's EventBridge client. */
export const eventBridge = (): EventBridgeClient => eventBridgeClient.get();
/** The container's Secrets Manager client. */
export const secretsManager = (): SecretsManagerClient => secretsManagerClient.get();

/**
 * Forgets every client so the next call builds a fresh one (tests that change
 * `AWS_ENDPOINT_URL` between runs, e.g. a new moto port).
 */
export function resetAwsClientsForTests(): void {
  for (const client of [
    s3Client,
    kmsClient,
    dynamoClient,
    glueClient,
    sfnClient,
    eventBridgeClient,
    secretsManagerClient,
  ]) {
    client.reset();
  }
}
