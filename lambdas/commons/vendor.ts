/**
 * The vendor client for handlers: credentials from the secret in `SIMULACRA_SECRET_ARN`, the
 * bearer token shared through the state table (encrypted with `TOKEN_CACHE_KEY_ARN`), built once
 * per container. The credentials are re-read after {@link CREDENTIALS_MAX_AGE_MS} so a rotated
 * secret is picked up without a redeploy; the shared token cache means that costs no extra mint.
 */
import * as z from '../../src/contracts/zod.ts';
import type { SimulacraApi } from '../../src/client/contract.ts';
import {
  DynamoDbPacer,
  DynamoDbTokenCache,
  SimulacraClient,
  createTokenProvider,
  loadCredentialsFromSecret,
} from '../../src/client/index.ts';
import { dynamo } from './clients/dynamo.ts';
import { kms } from './clients/kms.ts';
import { secretsManager } from './clients/secrets-manager.ts';
import { lazyConfig, requiredString } from './config.ts';
import type { FetchLike } from '../../src/client/http.ts';
import { MetricUnit, metrics } from './observability.ts';
import { containerId } from './container.ts';
import { invocationDeadline, invocationSignal } from './invocation.ts';
import { pacingSleep } from './pacing-sleep.ts';

/** How long a container keeps credentials read from Secrets Manager. */
export const CREDENTIALS_MAX_AGE_MS = 5 * 60 * 1000;

const vendorConfig = lazyConfig({
  SIMULACRA_SECRET_ARN: requiredString(),
  STATE_TABLE_NAME: requiredString(),
  TOKEN_CACHE_KEY_ARN: requiredString(),
  /** Optional per-request HTTP timeout override in ms (default: the client's). */
  SIMULACRA_HTTP_TIMEOUT_MS: z.optional(z.coerce.number().check(z.int(), z.positive())),
  /** Shared pacing of vendor requests across the deployment (unset: none). */
  VENDOR_REQUESTS_PER_SECOND: z.optional(z.coerce.number().check(z.positive())),
  VENDOR_REQUEST_BURST: z.optional(z.coerce.number().check(z.int(), z.positive())),
});

/**
 * Longest Retry-After a handler sleeps through: a longer one ends the call so the state machine
 * waits in a Wait state (src/pipeline/vendor-wait.ts) instead of a Lambda billed for sleeping.
 */
export const LAMBDA_MAX_RETRY_AFTER_MS = 2_000;

/**
 * `fetch` that counts what the dashboard shows: vendor 429s (`VendorThrottled`) and, for the token
 * endpoint, mints (`TokenMints`). Single metrics, so they carry no per-invocation dimensions.
 */
export function countingFetch(options: { countMints: boolean }, base: FetchLike = fetch): FetchLike {
  return async (input, init) => {
    const response = await base(input, init);
    if (options.countMints) metrics.singleMetric().addMetric('TokenMints', MetricUnit.Count, 1);
    if (response.status === 429) metrics.singleMetric().addMetric('VendorThrottled', MetricUnit.Count, 1);
    return response;
  };
}

/**
 * `fetch` whose requests (and streamed response bodies, e.g. an artifact download) are also
 * aborted when the running invocation gives up at its timeout, so an abandoned attempt stops
 * talking to the vendor instead of resuming beside the step's Retry.
 */
export function invocationBoundFetch(base: FetchLike = fetch): FetchLike {
  return (input, init) => {
    const invocation = invocationSignal();
    if (!invocation) return base(input, init);
    const signal = init.signal ? AbortSignal.any([init.signal, invocation]) : invocation;
    return base(input, { ...init, signal });
  };
}

interface Memo {
  readonly client: Promise<SimulacraApi>;
  readonly createdAt: number;
}

/** The client of each container (one on AWS; one per function in a local run). */
const memos = new Map<string, Memo>();
let injected: Promise<SimulacraApi> | undefined;

async function buildClient(): Promise<SimulacraApi> {
  const config = vendorConfig();
  // AWSCURRENT explicitly: moto answers a stage-less read with its first version even after a rotation.
  const readCurrent = () =>
    loadCredentialsFromSecret(secretsManager(), config.SIMULACRA_SECRET_ARN, 'AWSCURRENT');
  const credentials = await readCurrent();
  const cache = new DynamoDbTokenCache({
    tableName: config.STATE_TABLE_NAME,
    kmsKeyId: config.TOKEN_CACHE_KEY_ARN,
    dynamo: dynamo(),
    kms: kms(),
  });
  const tokenProvider = createTokenProvider({
    credentials,
    cache,
    // A re-mint (after a 401 or at expiry) reads AWSCURRENT again, so runs survive a rotation.
    credentialsSource: readCurrent,
    fetch: countingFetch({ countMints: true }),
  });
  const rate = config.VENDOR_REQUESTS_PER_SECOND;
  const pacer = rate
    ? new DynamoDbPacer({
        tableName: config.STATE_TABLE_NAME,
        dynamo: dynamo(),
        clientId: credentials.client_id,
        requestsPerSecond: rate,
        burst: config.VENDOR_REQUEST_BURST ?? Math.max(1, Math.ceil(rate)),
        sleep: pacingSleep,
      })
    : undefined;
  return new SimulacraClient({
    apiBase: credentials.api_base,
    tokenProvider,
    fetch: countingFetch({ countMints: false }, invocationBoundFetch()),
    retry: { maxRetryAfterMs: LAMBDA_MAX_RETRY_AFTER_MS },
    // A slow vendor ends the call (retryable) before the invocation times out.
    deadline: invocationDeadline,
    ...(pacer ? { pacer } : {}),
    ...(config.SIMULACRA_HTTP_TIMEOUT_MS ? { timeoutMs: config.SIMULACRA_HTTP_TIMEOUT_MS } : {}),
  });
}

/** The container's vendor client (memoised; a failed build is not cached). */
export function vendorClient(): Promise<SimulacraApi> {
  if (injected) return injected;
  const now = Date.now();
  const id = containerId();
  const memo = memos.get(id);
  if (memo && now - memo.createdAt < CREDENTIALS_MAX_AGE_MS) return memo.client;
  const client = buildClient();
  const entry = { client, createdAt: now };
  memos.set(id, entry);
  client.catch(() => {
    if (memos.get(id) === entry) memos.delete(id);
  });
  return client;
}

/** Makes {@link vendorClient} return `api` until {@link resetVendorClientForTests} (tests only). */
export function setVendorClientForTests(api: SimulacraApi): void {
  injected = Promise.resolve(api);
}

/** Forgets the memoised clients so the next call re-reads configuration and the secret. */
export function resetVendorClientForTests(): void {
  injected = undefined;
  memos.clear();
  vendorConfig.reset();
}
