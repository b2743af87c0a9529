/**
 * DynamoDbTokenCache against moto (real DynamoDB and KMS semantics: expression syntax, conditional
 * writes, KMS encryption contexts): two providers — two Lambda containers — share one minted token,
 * the stored item holds only ciphertext, and the mint lease lets many cold containers mint once.
 */
import { DecryptCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache, createTokenProvider } from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { startMoto } from '../../../src/local/moto.ts';
import type { RunningMoto } from '../../../src/local/moto.ts';
import { createTokenCacheResources } from '../../support/token-cache-moto.ts';

const TABLE = 'pipeline-state';
let moto: RunningMoto;
let dynamo: DynamoDBDocumentClient;
let kms: KMSClient;
let keyId: string;
let auth: Server;
let tokenUrl: string;
let mints = 0;

beforeAll(async () => {
  moto = await startMoto();
  const resources = await createTokenCacheResources(moto, TABLE);
  dynamo = DynamoDBDocumentClient.from(resources.dynamo);
  kms = resources.kms;
  keyId = resources.keyId;
  auth = createServer((_req, res) => {
    mints += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    setTimeout(
      () => res.end(JSON.stringify({ access_token: `eyJhbGciOi.eyJzdWIi.sig-${mints}`, expires_in: 86_400 })),
      20,
    );
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}/oauth/token`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => auth?.close(() => resolve()));
  await moto?.stop();
});

const credentials = (clientId = 'acme_m2m'): VendorCredentials => ({
  client_id: clientId,
  client_secret: 'secret',
  token_url: tokenUrl,
  audience: 'https://api.simulacra-data.com',
  api_base: 'https://api.simulacra-data.com',
});

describe('DynamoDbTokenCache on moto', () => {
  it('shares one KMS-encrypted token between two providers', async () => {
    const cache = () => new DynamoDbTokenCache({ tableName: TABLE, kmsKeyId: keyId, dynamo, kms });
    const first = createTokenProvider({ credentials: credentials(), cache: cache() });
    const burst = await Promise.all(Array.from({ length: 20 }, () => first.getToken()));
    const second = createTokenProvider({ credentials: credentials(), cache: cache() });
    expect(await second.getToken()).toBe(burst[0]);
    expect(mints).toBe(1);

    const pk = 'TOKEN#acme_m2m#https://api.simulacra-data.com';
    const { Item } = await dynamo.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'TOKEN' } }));
    expect(Item).toBeDefined();
    const serialized = JSON.stringify(Item);
    expect(serialized).not.toContain(burst[0]!);
    expect(serialized).not.toContain(Buffer.from(burst[0]!).toString('base64'));
    expect(Item!.ttl).toBe(Math.ceil((Item!.expiresAt as number) / 1000));

    // The ciphertext only opens with the same encryption context.
    const blob = Buffer.from(Item!.ciphertext as string, 'base64');
    const opened = await kms.send(
      new DecryptCommand({
        CiphertextBlob: blob,
        EncryptionContext: DynamoDbTokenCache.encryptionContext(pk),
      }),
    );
    expect(Buffer.from(opened.Plaintext!).toString()).toBe(burst[0]);
    await expect(
      kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { purpose: 'other', cache_key: pk } }),
      ),
    ).rejects.toThrow();
  });

  it('keeps the fresher token under the conditional write', async () => {
    const cache = new DynamoDbTokenCache({ tableName: TABLE, kmsKeyId: keyId, dynamo, kms });
    const now = Date.now();
    await cache.put('TOKEN#race#a', { accessToken: 'newer', expiresAt: now + 200_000 });
    await cache.put('TOKEN#race#a', { accessToken: 'older', expiresAt: now + 100_000 });
    expect(await cache.get('TOKEN#race#a')).toEqual({ accessToken: 'newer', expiresAt: now + 200_000 });
  });

  it('mints once when 60 cold containers ask at the same instant (mint lease)', async () => {
    const before = mints;
    const tokens = await Promise.all(
      Array.from({ length: 60 }, () =>
        createTokenProvider({
          credentials: credentials('cold_m2m'),
          cache: new DynamoDbTokenCache({ tableName: TABLE, kmsKeyId: keyId, dynamo, kms }),
        }).getToken(),
      ),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(mints - before).toBe(1);
    const pk = 'TOKEN#cold_m2m#https://api.simulacra-data.com';
    const lease = await dynamo.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'TOKEN_LEASE' } }));
    expect(lease.Item).toBeUndefined();
  });

  it('takes the lease over from a container that died holding it', async () => {
    const cache = new DynamoDbTokenCache({ tableName: TABLE, kmsKeyId: keyId, dynamo, kms });
    const pk = 'TOKEN#dead_m2m#https://api.simulacra-data.com';
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk, sk: 'TOKEN_LEASE', leaseId: 'dead-container', expiresAt: Date.now() + 400 },
      }),
    );
    expect(await cache.acquireMintLease(pk, 5_000)).toBeNull();
    const before = mints;
    const startedAt = Date.now();
    const token = await createTokenProvider({ credentials: credentials('dead_m2m'), cache }).getToken();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(390);
    expect(mints - before).toBe(1);
    expect(await cache.get(pk)).toMatchObject({ accessToken: token });
  });
});
