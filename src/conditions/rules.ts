/**
 * Checks on condition values that hold with or without a dataset schema; used by the scenario-file
 * parser (early, with JSON paths) and by the resolver (again, for conditions built in code).
 */

/** Float slack when comparing a sum of shares with 1 (contract notes §10 #13). */
export const SHARE_SUM_TOLERANCE = 1e-6;

/** A valid categorical share: a finite fraction in [0, 1]. */
export function isValidShare(share: unknown): share is number {
  return typeof share === 'number' && Number.isFinite(share) && share >= 0 && share <= 1;
}

/** Sum of the shares, in a stable order (keys sorted) so the float result does not depend on key order. */
export function shareSum(shares: Readonly<Record<string, number>>): number {
  return Object.keys(shares)
    .sort()
    .reduce((sum, level) => sum + (shares[level] ?? 0), 0);
}

/**
 * The problem with a set of level shares as a whole, or `null`: they may not add up to more than 1
 * and, when every level of the column is listed (`allLevels` known), they must add up to 1.
 */
export function shareSumProblem(
  shares: Readonly<Record<string, number>>,
  allLevels?: readonly string[] | null,
): string | null {
  const values = Object.values(shares);
  if (!values.every(isValidShare)) return null; // reported per share
  const sum = shareSum(shares);
  if (sum > 1 + SHARE_SUM_TOLERANCE) {
    return `shares add up to ${formatNumber(sum)}, more than 1; they are fractions of the generated rows, so lower them until they total at most 1`;
  }
  if (allLevels && allLevels.length > 0) {
    const listed = new Set(Object.keys(shares));
    const coversAll = allLevels.every((level) => listed.has(level));
    if (coversAll && sum < 1 - SHARE_SUM_TOLERANCE) {
      return `shares list every level but add up to ${formatNumber(sum)}, not 1; adjust them to total 1 or leave out a level to let it take the remainder`;
    }
  }
  return null;
}

/** A number for a message: at most 6 decimals, no float noise. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(6)));
}
