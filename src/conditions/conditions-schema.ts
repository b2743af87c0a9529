/**
 * The zod schema of a scenario's `conditions` (`src/conditions/scenario-file.ts`): categorical
 * level shares that sum to at most 1 and numeric ranges with min <= max, each problem named so
 * that the customer can fix the file.
 */
import * as z from '../contracts/zod.ts';
import { formatNumber, shareSumProblem } from './rules.ts';

const columnName = z.string().check(z.minLength(1, { error: 'column name is empty' }));

const shareSchema = z
  .number({ error: 'must be a number between 0 and 1 (a fraction: 0.55 means 55 %)' })
  .check(
    z.refine((v) => Number.isFinite(v) && v >= 0 && v <= 1, {
      error: 'must be between 0 and 1 (a fraction of the generated rows: 0.55 means 55 %, not 55)',
    }),
  );

const levelSharesSchema = z
  .record(z.string(), shareSchema, {
    error: 'must be an object of level -> share, e.g. {"Premium": 0.55, "Value": 0.10}',
  })
  .check(
    z.superRefine((shares, ctx) => {
      if (Object.keys(shares).length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'lists no levels; give at least one level and its share, or remove the column',
        });
        return;
      }
      for (const level of Object.keys(shares)) {
        if (level.trim() === '')
          ctx.addIssue({ code: 'custom', path: [level], message: 'level name is empty' });
      }
      const problem = shareSumProblem(shares);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  );

const boundSchema = (bound: 'min' | 'max') =>
  z.number({
    error: (issue) =>
      issue.input === undefined
        ? `is missing; numeric ranges need both "min" and "max" (use the schema's ${bound} for an open end)`
        : `must be a number`,
  });

const rangeSchema = z
  .strictObject(
    { min: boundSchema('min'), max: boundSchema('max') },
    { error: 'must be an object {"min": <number>, "max": <number>}' },
  )
  .check(
    z.superRefine((range, ctx) => {
      if (range.min > range.max) {
        ctx.addIssue({
          code: 'custom',
          message: `min ${formatNumber(range.min)} is greater than max ${formatNumber(range.max)}; swap them`,
        });
      }
    }),
  );

/** The `conditions` of a scenario, with the customer's column names. */
export const conditionsSchema = z.strictObject(
  {
    categorical: z.optional(
      z.record(columnName, levelSharesSchema, {
        error: 'must be an object of column -> {level: share}',
      }),
    ),
    numeric: z.optional(
      z.record(columnName, rangeSchema, {
        error: 'must be an object of column -> {"min": <number>, "max": <number>}',
      }),
    ),
  },
  { error: 'must be an object with "categorical" and/or "numeric"' },
);
