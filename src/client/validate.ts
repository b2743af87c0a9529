/**
 * Client-side checks of ids, keys and request fields (contract notes §8, §9, §10.13, §10.27), so a
 * request the vendor would refuse — or answer with a misleading anti-enumeration 404 — fails early
 * with an error naming the field and the expected format.
 */
import type { Conditions } from './contract.ts';
import { SimulacraInputError } from './errors.ts';

export const ID_PATTERNS = {
  dataset_id: /^[A-Za-z0-9_-]{1,128}$/,
  generation_id: /^[A-Za-z0-9_-]{1,128}$/,
  job_id: /^job_[A-Za-z0-9_-]{4,128}$/,
  request_id: /^req_[A-Za-z0-9]{1,64}$/,
  idempotency_key: /^[A-Za-z0-9._:-]{1,128}$/,
} as const;

/** Largest `seed` the R backend accepts (a 32-bit integer). */
export const MAX_SEED = 2 ** 31 - 1;

/** Checks `value` against the id pattern of `field` and returns it URL-encoded for a path segment. */
export function pathId(field: keyof typeof ID_PATTERNS, value: string): string {
  if (typeof value !== 'string' || !ID_PATTERNS[field].test(value)) {
    throw new SimulacraInputError(
      field,
      `must match ${ID_PATTERNS[field].source} (use the id exactly as returned)`,
    );
  }
  return encodeURIComponent(value);
}

/** Any other opaque id (e.g. `rot_…`): non-empty, no whitespace; URL-encoded. */
export function opaqueId(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256 || /\s/.test(value)) {
    throw new SimulacraInputError(field, 'must be a non-empty id without whitespace, exactly as returned');
  }
  return encodeURIComponent(value);
}

export function idempotencyKey(value: string): string {
  if (typeof value !== 'string' || !ID_PATTERNS.idempotency_key.test(value)) {
    throw new SimulacraInputError(
      'idempotencyKey',
      `must match ${ID_PATTERNS.idempotency_key.source}; derive it deterministically so retries reuse it`,
    );
  }
  return value;
}

export function integerInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SimulacraInputError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function displayName(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length > 200 || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new SimulacraInputError('displayName', 'must be at most 200 characters without control characters');
  }
  return value;
}

/** Categorical shares in [0, 1] summing to at most 1 (+1e-6); numeric ranges with finite min ≤ max. */
export function conditions(value: Conditions): Conditions {
  for (const [column, levels] of Object.entries(value.categorical ?? {})) {
    let sum = 0;
    for (const [level, share] of Object.entries(levels)) {
      if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
        throw new SimulacraInputError(
          `conditions.categorical.${column}.${level}`,
          'must be a share between 0 and 1 (0.7 = 70 %)',
        );
      }
      sum += share;
    }
    if (sum > 1 + 1e-6) {
      throw new SimulacraInputError(
        `conditions.categorical.${column}`,
        `shares sum to ${sum.toFixed(4)}, over 1`,
      );
    }
  }
  for (const [column, range] of Object.entries(value.numeric ?? {})) {
    const { min, max } = range;
    if (
      typeof min !== 'number' ||
      typeof max !== 'number' ||
      !Number.isFinite(min) ||
      !Number.isFinite(max)
    ) {
      throw new SimulacraInputError(
        `conditions.numeric.${column}`,
        'needs both min and max as finite numbers',
      );
    }
    if (min > max)
      throw new SimulacraInputError(
        `conditions.numeric.${column}`,
        `min (${min}) is greater than max (${max})`,
      );
  }
  return value;
}
