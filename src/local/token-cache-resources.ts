/**
 * What the DynamoDB token cache needs in moto: the pipeline state table's key layout (`pk`/`sk`
 * strings, on demand, as lib/parts/storage.ts makes it) and a KMS key to encrypt the cached tokens
 * with. Used by the tests and by the landing benchmark (whose handler builds its vendor client).
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { MotoClientConfig } from './moto.ts';

/** The state table's key layout: `pk` (hash) and `sk` (range), both strings. */
export function stateTableKeys(): {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
} {
  return {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
  };
}

/** The clients and the key of {@link createTokenCacheResources}; the caller destroys the clients. */
export interface TokenCacheResources {
  readonly dynamo: DynamoDBClient;
  readonly kms: KMSClient;
  readonly keyId: string;
  readonly keyArn: string;
}

/** Creates the state table `tableName` and a token-cache KMS key in the moto behind `config`. */
export async function createTokenCacheResources(
  config: Pick<MotoClientConfig, 'endpoint' | 'region' | 'credentials'>,
  tableName: string,
): Promise<TokenCacheResources> {
  const dynamo = new DynamoDBClient(config);
  const kms = new KMSClient(config);
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      ...stateTableKeys(),
    }),
  );
  const key = (await kms.send(new CreateKeyCommand({ Description: 'token cache' }))).KeyMetadata!;
  return { dynamo, kms, keyId: key.KeyId!, keyArn: key.Arn! };
}
