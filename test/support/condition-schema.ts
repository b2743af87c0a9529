/** A vendor schema with every kind of column, and helpers, for the condition resolver's tests. */
import { expect } from 'vitest';
import type { SchemaColumn } from '../../src/client/contract.ts';
import { ConditionResolutionError } from '../../src/conditions/resolver.ts';

export function categorical(
  name: string,
  levels: string[] | null,
  extra: Partial<SchemaColumn> = {},
): SchemaColumn {
  return { name, type: 'factor', levels, min: null, max: null, conditioning_excluded: false, ...extra };
}
export function numeric(
  name: string,
  min: number | null,
  max: number | null,
  extra: Partial<SchemaColumn> = {},
): SchemaColumn {
  return { name, type: 'integer', levels: null, min, max, conditioning_excluded: false, ...extra };
}

export const SCHEMA: SchemaColumn[] = [
  categorical('segment', ['Mainstream', 'Other', 'Premium', 'Value']),
  categorical('channel', ['Club', 'Online', 'Retail']),
  numeric('age', 18, 80),
  numeric('purchase.intent', 0, 100, { type: 'numeric' }),
  categorical('comment', null, { type: 'character', conditioning_excluded: true }),
  { name: 'signup.date', type: 'date', levels: null, min: null, max: null, conditioning_excluded: null },
  categorical('Region', ['North', 'South']),
  categorical('is.member', ['FALSE', 'TRUE'], { type: 'logical' }),
];

/** The ConditionResolutionError `fn` throws (fails the test if it throws none). */
export function failure(fn: () => unknown): ConditionResolutionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConditionResolutionError);
    return err as ConditionResolutionError;
  }
  throw new Error('expected a ConditionResolutionError');
}
