/**
 * Public surface of the Simulacra Headless API client. Import from here, not from the modules.
 */
export type * from './contract.ts';
export {
  ARTIFACT_URL_EXPIRED,
  ArtifactUrlExpiredError,
  SimulacraApiError,
  SimulacraCredentialsError,
  SimulacraInputError,
  SimulacraNetworkError,
  SimulacraResponseValidationError,
  TokenMintError,
  VendorPacingError,
} from './errors.ts';
export type { ErrorClass, ProblemDetails } from './errors.ts';
export { DEFAULT_TIMEOUT_MS, SimulacraClient } from './client.ts';
export type { SimulacraClientOptions } from './client.ts';
export { ERROR_CODES, classifyError, classifyProblem, parseProblem, problemKind } from './problem.ts';
export type { ErrorCodeInfo, ProblemKind } from './problem.ts';
export { DEFAULT_RETRY, parseRetryAfter } from './retry.ts';
export type { Clock, RetryOptions } from './retry.ts';
export type { FetchLike } from './http.ts';
export {
  DynamoDbPacer,
  PACING_SORT_KEY,
  PACING_TTL_MARGIN_SECONDS,
  QUEUED_OPERATIONS,
  decidePacing,
  validatePacingRate,
} from './pacing.ts';
export type { DynamoDbPacerOptions, PacingDecision, PacingRate, VendorPacer } from './pacing.ts';
export {
  DEFAULT_MAX_INLINE_WAIT_OTHER_MS,
  MAX_RESERVATION_AHEAD_MS,
  RESERVATION_GRACE_MS,
  decideReservation,
  heldReservation,
  secondsBefore,
  withPacingTurn,
} from './pacing-reservation.ts';
export type { PacingReservation, ReservationUse } from './pacing-reservation.ts';
export { MAX_SEED_BYTES } from './multipart.ts';
export { DEFAULT_EXPIRY_MARGIN_MS, createTokenProvider, tokenCacheKey } from './token-provider.ts';
export type {
  CachedToken,
  TokenCache,
  TokenProvider,
  TokenProviderOptions,
  VendorCredentials,
} from './token-provider.ts';
export {
  DynamoDbTokenCache,
  TOKEN_ENCRYPTION_PURPOSE,
  TOKEN_LEASE_SORT_KEY,
  TOKEN_SORT_KEY,
} from './token-cache-dynamodb.ts';
export type { DynamoDbTokenCacheOptions } from './token-cache-dynamodb.ts';
export { DEFAULT_MINT_LEASE_TIMING } from './token-mint-lease.ts';
export type { MintLeaseTiming, MintLeases } from './token-mint-lease.ts';
export {
  CREDENTIAL_ENV_VARS,
  loadCredentialsFromEnv,
  loadCredentialsFromSecret,
  parseCredentialsSecret,
} from './credentials.ts';
export { ID_PATTERNS, MAX_SEED } from './validate.ts';
