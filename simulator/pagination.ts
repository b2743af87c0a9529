/** `limit` + opaque `cursor` pagination over newest-first lists. */
import { invalidField } from './problems.ts';
import type { RequestContext } from './router.ts';

/** Reads `limit` (integer 1–100, default 25) and `cursor` from the query; 400 when invalid. */
export function pageParams(rc: RequestContext): { limit: number; after: string | null } {
  const rawLimit = rc.url.searchParams.get('limit');
  let limit = 25;
  if (rawLimit !== null) {
    if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 100) {
      throw invalidField('limit must be an integer between 1 and 100.');
    }
    limit = Number(rawLimit);
  }
  const cursor = rc.url.searchParams.get('cursor');
  if (cursor === null || cursor === '') return { limit, after: null };
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('c1:') || Buffer.from(decoded, 'utf8').toString('base64url') !== cursor) {
    throw invalidField('cursor is not a next_cursor returned by this list; pass next_cursor back unchanged.');
  }
  return { limit, after: decoded.slice(3) };
}

/**
 * One page of `items` (already sorted newest first) after the item whose id is `after`.
 * Returns the page and the opaque cursor of the next page, or null on the last page.
 */
export function paginate<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  params: { limit: number; after: string | null },
): { page: T[]; nextCursor: string | null } {
  let start = 0;
  if (params.after !== null) {
    const index = items.findIndex((item) => idOf(item) === params.after);
    if (index < 0)
      throw invalidField('cursor does not point into this list any more; restart without cursor.');
    start = index + 1;
  }
  const page = items.slice(start, start + params.limit);
  const last = page[page.length - 1];
  const more = start + params.limit < items.length;
  return {
    page,
    nextCursor:
      more && last !== undefined ? Buffer.from(`c1:${idOf(last)}`, 'utf8').toString('base64url') : null,
  };
}
