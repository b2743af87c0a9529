/**
 * A {@link TokenCache} in the pipeline's DynamoDB state table, so every Lambda container of a
 * deployment shares one bearer token per token lifetime. The token is stored only as a KMS
 * ciphertext bound to an encryption context naming the cache key; the item carries a TTL
 * attribute so DynamoDB deletes it after expiry. A second item per key is the mint lease
 * (`MintLeases`): a conditional put that only one container wins until it expires or is released.
 */
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import type { MintLeases } from './token-mint-lease.ts';
import type { CachedToken, TokenCache } from './token-cache.ts';
import { TOKEN_ENCRYPTION_PURPOSE } from './token-cache-context.ts';

export interface DynamoDbTokenCacheOptions {
  readonly tableName: string;
  /** KMS key id or ARN used to encrypt the token. */
  readonly kmsKeyId: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly kms: KMSClient;
  /** Name of the table's TTL attribute (epoch seconds); default `ttl`. */
  readonly ttlAttribute?: string;
}

/** Sort key of token items (partition key = the cache key, `TOKEN#<client_id>#<audience>`). */
export const TOKEN_SORT_KEY = 'TOKEN';
/** Sort key of the mint lease item of the same cache key. */
export const TOKEN_LEASE_SORT_KEY = 'TOKEN_LEASE';
export { TOKEN_ENCRYPTION_PURPOSE };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException';

export class DynamoDbTokenCache implements TokenCache, MintLeases {
  readonly #options: DynamoDbTokenCacheOptions;

  constructor(options: DynamoDbTokenCacheOptions) {
    this.#options = options;
  }

  /** The encryption context binding a ciphertext to its item. */
  static encryptionContext(key: string): Record<string, string> {
    return { purpose: TOKEN_ENCRYPTION_PURPOSE, cache_key: key };
  }

  /** Reads and decrypts the token; null when absent or expired. Errors propagate (the provider degrades). */
  async get(key: string): Promise<CachedToken | null> {
    const { Item } = await this.#options.dynamo.send(
      new GetCommand({
        TableName: this.#options.tableName,
        Key: { pk: key, sk: TOKEN_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    if (!Item) return null;
    const ciphertext: unknown = Item.ciphertext;
    const expiresAt: unknown = Item.expiresAt;
    if (typeof ciphertext !== 'string' || typeof expiresAt !== 'number' || expiresAt <= Date.now())
      return null;
    const { Plaintext } = await this.#options.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(ciphertext, 'base64'),
        KeyId: this.#options.kmsKeyId,
        EncryptionContext: DynamoDbTokenCache.encryptionContext(key),
      }),
    );
    if (!Plaintext) return null;
    return { accessToken: decoder.decode(Plaintext), expiresAt };
  }

  /**
   * Encrypts and stores the token. The write only replaces an item holding an older token
   * (`expiresAt` earlier), so containers that mint concurrently converge on the freshest token
   * instead of overwriting each other back and forth.
   */
  async put(key: string, value: CachedToken): Promise<void> {
    const { CiphertextBlob } = await this.#options.kms.send(
      new EncryptCommand({
        KeyId: this.#options.kmsKeyId,
        Plaintext: encoder.encode(value.accessToken),
        EncryptionContext: DynamoDbTokenCache.encryptionContext(key),
      }),
    );
    if (!CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    const ttlAttribute = this.#options.ttlAttribute ?? 'ttl';
    try {
      await this.#options.dynamo.send(
        new PutCommand({
          TableName: this.#options.tableName,
          Item: {
            pk: key,
            sk: TOKEN_SORT_KEY,
            ciphertext: Buffer.from(CiphertextBlob).toString('base64'),
            expiresAt: value.expiresAt,
            [ttlAttribute]: Math.ceil(value.expiresAt / 1000),
            updatedAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :expiresAt',
          ExpressionAttributeValues: { ':expiresAt': value.expiresAt },
        }),
      );
    } catch (err) {
      // Someone stored a fresher token first: theirs wins, nothing to do.
      if (isConditionFailure(err)) return;
      throw err;
    }
  }

  /** Puts the lease item unless a live lease exists; null when another container holds it. */
  async acquireMintLease(key: string, ttlMs: number): Promise<string | null> {
    const leaseId = randomUUID();
    const now = Date.now();
    const expiresAt = now + ttlMs;
    try {
      await this.#options.dynamo.send(
        new PutCommand({
          TableName: this.#options.tableName,
          Item: {
            pk: key,
            sk: TOKEN_LEASE_SORT_KEY,
            leaseId,
            expiresAt,
            // DynamoDB's TTL sweep is coarse; it only tidies leases whose holder died.
            [this.#options.ttlAttribute ?? 'ttl']: Math.ceil(expiresAt / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return leaseId;
    } catch (err) {
      if (isConditionFailure(err)) return null;
      throw err;
    }
  }

  /** Deletes the lease item if it is still `leaseId`'s. */
  async releaseMintLease(key: string, leaseId: string): Promise<void> {
    try {
      await this.#options.dynamo.send(
        new DeleteCommand({
          TableName: this.#options.tableName,
          Key: { pk: key, sk: TOKEN_LEASE_SORT_KEY },
          ConditionExpression: 'leaseId = :leaseId',
          ExpressionAttributeValues: { ':leaseId': leaseId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
