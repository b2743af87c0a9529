import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbTokenCache, createTokenProvider } from '../../../src/client/index.ts';
import type { VendorCredentials } from '../../../src/client/index.ts';
import { startTestServer } from '../../support/client-helpers.ts';
import type { TestServer } from '../../support/client-helpers.ts';

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

/** A fake table honouring the cache's conditional writes: fresher token, live lease, lease owner. */
function installDynamo() {
  const items = new Map<string, Record<string, unknown>>();
  const ddbMock = mockClient(DynamoDBDocumentClient);
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
  ddbMock.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({
    Item: items.get(`${input.Key.pk}|${input.Key.sk}`),
  }));
  ddbMock
    .on(PutCommand)
    .callsFake(
      (input: { Item: Record<string, unknown>; ExpressionAttributeValues: Record<string, number> }) => {
        const id = `${String(input.Item.pk)}|${String(input.Item.sk)}`;
        const existing = items.get(id);
        const values = input.ExpressionAttributeValues;
        const replaceable =
          ':now' in values
            ? (existing?.expiresAt as number) <= values[':now']
            : (existing?.expiresAt as number) < values[':expiresAt']!;
        if (existing && !replaceable) throw conditionFailed();
        items.set(id, input.Item);
        return {};
      },
    );
  ddbMock
    .on(DeleteCommand)
    .callsFake(
      (input: { Key: { pk: string; sk: string }; ExpressionAttributeValues: Record<string, string> }) => {
        const id = `${input.Key.pk}|${input.Key.sk}`;
        if (items.get(id)?.leaseId !== input.ExpressionAttributeValues[':leaseId']) throw conditionFailed();
        items.delete(id);
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

describe('DynamoDbTokenCache mint lease', () => {
  const KEY = 'TOKEN#acme_m2m#https://api.simulacra-data.com';
  const LEASE_ID = `${KEY}|TOKEN_LEASE`;
  /** Another container's lease, live until `expiresAt`. */
  const foreignLease = (expiresAt: number) => ({
    pk: KEY,
    sk: 'TOKEN_LEASE',
    leaseId: 'other-container',
    expiresAt,
  });

  it('lets one of many cold containers win the lease and mint; the others read its token', async () => {
    const { items, cache, ddbMock } = setup();
    const before = mints;
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () =>
        createTokenProvider({ credentials: credentials(), cache: cache() }).getToken(),
      ),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(mints - before).toBe(1);
    // The winner released its lease; the lease item never holds token material.
    expect(items.has(LEASE_ID)).toBe(false);
    const leasePuts = ddbMock
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item!)
      .filter((item) => item.sk === 'TOKEN_LEASE');
    expect(leasePuts.length).toBeGreaterThanOrEqual(20);
    expect(JSON.stringify(leasePuts)).not.toContain(tokens[0]!);
  });

  it('waits for a live lease holder and uses the token it stores, without minting', async () => {
    const { items, cache } = setup();
    items.set(LEASE_ID, foreignLease(Date.now() + 5_000));
    const before = mints;
    const waiting = createTokenProvider({ credentials: credentials(), cache: cache() }).getToken();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await cache().put(KEY, { accessToken: 'eyJ.from-the-holder.sig', expiresAt: Date.now() + 86_400_000 });
    expect(await waiting).toBe('eyJ.from-the-holder.sig');
    expect(mints - before).toBe(0);
  });

  it('takes over after the holder dies, once its lease expires', async () => {
    const { items, cache } = setup();
    items.set(LEASE_ID, foreignLease(Date.now() + 300));
    const before = mints;
    const startedAt = Date.now();
    const token = await createTokenProvider({ credentials: credentials(), cache: cache() }).getToken();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(mints - before).toBe(1);
    expect(await cache().get(KEY)).toMatchObject({ accessToken: token });
    expect(items.has(LEASE_ID)).toBe(false);
  });

  it('mints at once over an expired lease', async () => {
    const { items, cache } = setup();
    items.set(LEASE_ID, foreignLease(Date.now() - 1));
    const before = mints;
    const startedAt = Date.now();
    await createTokenProvider({ credentials: credentials(), cache: cache() }).getToken();
    expect(Date.now() - startedAt).toBeLessThan(250);
    expect(mints - before).toBe(1);
  });

  it('mints on its own when the wait for a holder runs out', async () => {
    const { items, cache } = setup();
    items.set(LEASE_ID, foreignLease(Date.now() + 60_000));
    const before = mints;
    const startedAt = Date.now();
    const provider = createTokenProvider({
      credentials: credentials(),
      cache: cache(),
      mintLease: { maxWaitMs: 200 },
    });
    await provider.getToken();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
    expect(mints - before).toBe(1);
    // The live foreign lease is left alone.
    expect(items.get(LEASE_ID)?.leaseId).toBe('other-container');
  });

  it('re-mints once under the lease after a 401', async () => {
    const { items, cache } = setup();
    const a = createTokenProvider({ credentials: credentials(), cache: cache() });
    const first = await a.getToken();
    const before = mints;
    a.invalidate(first);
    const second = await Promise.all([a.getToken(), a.getToken()]);
    expect(second[0]).toBe(second[1]);
    expect(second[0]).not.toBe(first);
    expect(mints - before).toBe(1);
    expect(items.has(LEASE_ID)).toBe(false);
  });
});
