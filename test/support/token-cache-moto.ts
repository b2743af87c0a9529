/**
 * What the DynamoDB token cache needs in moto: the pipeline state table's key layout (`pk`/`sk`
 * strings, on demand) and a KMS key to encrypt the cached tokens with.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startMoto, type MotoClientConfig, type RunningMoto } from '../../src/local/moto.ts';

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
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  const key = (await kms.send(new CreateKeyCommand({ Description: 'token cache' }))).KeyMetadata!;
  return { dynamo, kms, keyId: key.KeyId!, keyArn: key.Arn! };
}

/** A test file's moto and its state-shaped table, through a document client. */
export interface MotoStateTable {
  readonly moto: RunningMoto;
  readonly dynamo: DynamoDBDocumentClient;
}

/** Starts moto with the table `tableName` before the file's tests and stops it after them. */
export function useMotoStateTable(tableName: string): MotoStateTable {
  let moto: RunningMoto | undefined;
  let dynamo: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    dynamo = DynamoDBDocumentClient.from((await createTokenCacheResources(moto, tableName)).dynamo);
  });
  afterAll(async () => moto?.stop());
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useMotoStateTable: moto is started in beforeAll');
    return value;
  };
  return {
    get moto() {
      return started(moto);
    },
    get dynamo() {
      return started(dynamo);
    },
  };
}
