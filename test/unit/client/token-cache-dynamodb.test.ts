import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache, createTokenProvider } from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

const KEY_ID = 'arn:aws:kms:us-east-1:111122223333:key/token-cache';
const TABLE = 'state-table';

/** A fake KMS: the "ciphertext" is the plaintext XOR-ed and bound to the key id and encryption context. */
function installKms() {
  const kmsMock = mockClient(KMSClient);
  const seal = (ctx: unknown) => JSON.stringify({ key: KEY_ID, ctx });
  kmsMock
    .on(EncryptCommand)
    .callsFake(
      (input: { KeyId: string; Plaintext: Uint8Array; EncryptionContext: Record<string, string> }) => {
        const body = Buffer.from(input.Plaintext).map((b) => b ^ 0x5a);
        const header = Buffer.from(seal(input.EncryptionContext));
        return {
          CiphertextBlob: Buffer.concat([
            Buffer.from([header.length >> 8, header.length & 0xff]),
            header,
            body,
          ]),
        };
      },
    );
  kmsMock
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => {
      const blob = Buffer.from(input.CiphertextBlob);
      const length = (blob[0]! << 8) | blob[1]!;
      if (blob.subarray(2, 2 + length).toString() !== seal(input.EncryptionContext)) {
        throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
      }
      return { Plaintext: blob.subarray(2 + length).map((b) => b ^ 0x5a) };
    });
  return kmsMock;
}

/** A fake table honouring the cache's conditional write. */
function installDynamo() {
  const items = new Map<string, Record<string, unknown>>();
  const ddbMock = mockClient(DynamoDBDocumentClient);
  ddbMock.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({
    Item: items.get(`${input.Key.pk}|${input.Key.sk}`),
  }));
  ddbMock
    .on(PutCommand)
    .callsFake(
      (input: { Item: Record<string, unknown>; ExpressionAttributeValues: Record<string, number> }) => {
        const id = `${String(input.Item.pk)}|${String(input.Item.sk)}`;
        const existing = items.get(id);
        if (existing && !((existing.expiresAt as number) < input.ExpressionAttributeValues[':expiresAt']!)) {
          throw new ConditionalCheckFailedException({
            message: 'The conditional request failed',
            $metadata: {},
          });
        }
        items.set(id, input.Item);
        return {};
      },
    );
  return { ddbMock, items };
}

let auth: TestServer;
let mints = 0;
beforeAll(async () => {
  auth = await startTestServer();
  auth.script((_req, res) => {
    mints += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    setTimeout(
      () => res.end(JSON.stringify({ access_token: `eyJ.jwt-${mints}.sig`, expires_in: 86_400 })),
      10,
    );
  });
});
afterAll(() => auth.close());

let mocks: Array<{ restore(): void }> = [];
afterEach(() => {
  for (const m of mocks) m.restore();
  mocks = [];
});

function setup() {
  const kmsMock = installKms();
  const { ddbMock, items } = installDynamo();
  mocks.push(kmsMock, ddbMock);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const kms = new KMSClient({ region: 'us-east-1' });
  const cache = () => new DynamoDbTokenCache({ tableName: TABLE, kmsKeyId: KEY_ID, dynamo, kms });
  return { kmsMock, ddbMock, items, cache };
}

const credentials = (): VendorCredentials => ({
  client_id: 'acme_m2m',
  client_secret: 's3cret',
  token_url: `${auth.origin}/oauth/token`,
  audience: 'https://api.simulacra-data.com',
  api_base: 'https://api.simulacra-data.com',
});

describe('DynamoDbTokenCache', () => {
  it('lets two providers (two containers) share one minted token', async () => {
    const { items, cache } = setup();
    const before = mints;
    const a = createTokenProvider({ credentials: credentials(), cache: cache() });
    const tokenA = await a.getToken();
    const b = createTokenProvider({ credentials: credentials(), cache: cache() });
    const tokenB = await b.getToken();
    expect(tokenB).toBe(tokenA);
    expect(mints - before).toBe(1);
    expect([...items.keys()]).toEqual(['TOKEN#acme_m2m#https://api.simulacra-data.com|TOKEN']);
  });

  it('stores only a KMS ciphertext bound to an encryption context, with a TTL attribute', async () => {
    const { items, cache, kmsMock } = setup();
    const token = await createTokenProvider({ credentials: credentials(), cache: cache() }).getToken();
    const item = [...items.values()][0]!;
    const serialized = JSON.stringify(item);
    expect(serialized).not.toContain(token);
    expect(serialized).not.toContain(Buffer.from(token).toString('base64'));
    expect(item).toMatchObject({ pk: 'TOKEN#acme_m2m#https://api.simulacra-data.com', sk: 'TOKEN' });
    expect(typeof item.ciphertext).toBe('string');
    expect(item.ttl).toBe(Math.ceil((item.expiresAt as number) / 1000));
    const encrypt = kmsMock.commandCalls(EncryptCommand)[0]!.args[0].input;
    expect(encrypt.KeyId).toBe(KEY_ID);
    expect(encrypt.EncryptionContext).toEqual({
      purpose: 'simulacra-token-cache',
      cache_key: 'TOKEN#acme_m2m#https://api.simulacra-data.com',
    });
  });

  it('keeps the fresher token when two containers write concurrently (conditional write)', async () => {
    const { items, cache } = setup();
    const key = 'TOKEN#k#a';
    await cache().put(key, { accessToken: 'newer', expiresAt: Date.now() + 200_000 });
    await cache().put(key, { accessToken: 'older', expiresAt: Date.now() + 100_000 });
    expect(await cache().get(key)).toMatchObject({ accessToken: 'newer' });
    expect(items.size).toBe(1);
  });

  it('replaces a token the API rejected (401) with a freshly minted one', async () => {
    const { cache } = setup();
    const a = createTokenProvider({ credentials: credentials(), cache: cache() });
    const first = await a.getToken();
    a.invalidate(first);
    const second = await a.getToken();
    expect(second).not.toBe(first);
    const b = createTokenProvider({ credentials: credentials(), cache: cache() });
    expect(await b.getToken()).toBe(second);
  });

  it('degrades to minting when DynamoDB or KMS fail', async () => {
    const { ddbMock, cache } = setup();
    ddbMock.on(GetCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    ddbMock.on(PutCommand).rejects(new Error('down'));
    const before = mints;
    const token = await createTokenProvider({ credentials: credentials(), cache: cache() }).getToken();
    expect(token).toMatch(/^eyJ/);
    expect(mints - before).toBe(1);
  });

  it('returns null for an expired or malformed item', async () => {
    const { items, cache } = setup();
    items.set('TOKEN#x#y|TOKEN', {
      pk: 'TOKEN#x#y',
      sk: 'TOKEN',
      ciphertext: 'AA==',
      expiresAt: Date.now() - 1,
    });
    expect(await cache().get('TOKEN#x#y')).toBeNull();
    items.set('TOKEN#x#y|TOKEN', { pk: 'TOKEN#x#y', sk: 'TOKEN', expiresAt: Date.now() + 10_000 });
    expect(await cache().get('TOKEN#x#y')).toBeNull();
  });
});
