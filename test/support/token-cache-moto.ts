/**
 * What the DynamoDB token cache needs in moto: the pipeline state table's key layout (`pk`/`sk`
 * strings, on demand) and a KMS key to encrypt the cached tokens with.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { startMoto, type RunningMoto } from '../../src/local/moto.ts';

import { createTokenCacheResources } from '../../src/local/token-cache-resources.ts';

export {
  createTokenCacheResources,
  type TokenCacheResources,
} from '../../src/local/token-cache-resources.ts';

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
