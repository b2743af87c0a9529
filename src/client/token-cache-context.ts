/**
 * The KMS encryption context of the shared token cache, apart from the cache itself so the CDK
 * construct can scope the key grant to it without loading an SDK client.
 */

/** `purpose` in the KMS encryption context: a ciphertext made for anything else will not decrypt. */
export const TOKEN_ENCRYPTION_PURPOSE = 'simulacra-token-cache';
