/**
 * JSON helpers of the spec patches: typed access into the parsed OpenAPI document, a walk over
 * every object in it, stable key order, and response/problem builders.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
export const PROBLEM_REF = '#/components/schemas/Problem';
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(root: JsonObject, path: readonly string[]): JsonObject {
  let current: Json = root;
  for (const key of path) {
    if (!isObject(current) || !isObject(current[key])) {
      throw new Error(`spec patch: expected an object at /${path.join('/')} (missing "${key}")`);
    }
    current = current[key];
  }
  return current;
}

/** Where the `application/json` media object of one response of an operation is, for {@link objectAt}. */
export function jsonMediaPath(path: string, method: string, status: string): string[] {
  return ['paths', path, method, 'responses', status, 'content', 'application/json'];
}

export function operation(spec: JsonObject, path: string, method: string): JsonObject {
  return objectAt(spec, ['paths', path, method]);
}

export function operations(spec: JsonObject): JsonObject[] {
  const result: JsonObject[] = [];
  for (const item of Object.values(objectAt(spec, ['paths']))) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op)) result.push(op);
    }
  }
  return result;
}

export function walk(
  value: Json,
  visit: (node: JsonObject, key: string | null) => void,
  key: string | null = null,
) {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit, key);
  } else if (isObject(value)) {
    visit(value, key);
    for (const [childKey, child] of Object.entries(value)) walk(child, visit, childKey);
  }
}

/**
 * Sorts object keys recursively, except the entries of an `examples` map: mock servers (Prism)
 * answer with the first example by default, so the vendor's order there carries meaning.
 */
export function sortKeys(value: Json, keepOrder = false): Json {
  if (Array.isArray(value)) return value.map((item) => sortKeys(item));
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort();
  for (const key of keys) sorted[key] = sortKeys(value[key] as Json, key === 'examples' && !keepOrder);
  return sorted;
}

export function jsonResponse(description: string, schema: JsonObject, example?: Json): JsonObject {
  const media: JsonObject = { schema };
  if (example !== undefined) media.example = example;
  return {
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
    content: { 'application/json': media },
  };
}

export function problemResponse(description: string, example: JsonObject): JsonObject {
  return {
    description,
    headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
    content: { 'application/problem+json': { schema: { $ref: PROBLEM_REF }, example } },
  };
}

export function problemExample(status: number, title: string, detail: string, code?: string): JsonObject {
  return code
    ? { type: `https://api.simulacra-data.com/errors/${code}`, title, status, detail, code }
    : { type: 'about:blank', title, status, detail };
}
