/** Spec path templates (checked against the generated types) and the paging helpers of list operations. */
import type { Page, ResponseMeta } from './contract.ts';
import type { paths } from './generated/api-types.ts';
import * as validate from './validate.ts';

/** A path of the patched spec (checked at compile time against the generated types). */
type ApiPath = keyof paths;
type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? Name | PathParams<Rest>
  : never;

/** Fills a spec path template with already validated, URL-encoded segments. */
export function route<P extends ApiPath>(
  template: P,
  ...[params]: PathParams<P> extends never ? [] : [Record<PathParams<P>, string>]
): string {
  const values = (params ?? {}) as Record<string, string>;
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => values[name] ?? '');
}

/** One page of a list operation: its `items` (none when the vendor sends null) and the paging fields. */
export function toPage<T>(
  items: readonly T[] | null | undefined,
  body: { readonly next_cursor: string | null; readonly limit: number; readonly request_id: string },
  meta: ResponseMeta,
): Page<T> {
  return {
    items: items ?? [],
    next_cursor: body.next_cursor,
    limit: body.limit,
    request_id: body.request_id,
    meta,
  };
}

export function pageQuery(
  input: { limit?: number; cursor?: string } | undefined,
): Record<string, string | number | undefined> {
  return {
    limit: input?.limit === undefined ? undefined : validate.integerInRange('limit', input.limit, 1, 100),
    cursor: input?.cursor === undefined || input.cursor === '' ? undefined : input.cursor,
  };
}
