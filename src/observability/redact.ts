/**
 * The project's one redaction module. It redacts secrets and customer data from anything that is
 * about to be logged, thrown to Step Functions or recorded: (logger, state errors, failure records)
 * bearer tokens, JWTs, client secrets, passwords, claim tokens, signed artifact URLs and row data.
 * It works on the shape of the value (sensitive keys at any depth, errors and their causes) and on
 * the text of every string (token and signed-URL patterns, `key=value` and JSON fragments), so it
 * does not depend on callers remembering what is secret. It also holds the shapes of live secrets
 * that the leak scanner (`test/support/secret-scan.ts`) searches captured output for.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';
const REDACTED_URL = '[REDACTED_URL]';
const REDACTED_JWT = '[REDACTED_JWT]';
const REDACTED_CLAIM_TOKEN = '[REDACTED_CLAIM_TOKEN]';

/** Nesting deeper than this is cut off (logs never need it; it also bounds the work). */
const MAX_DEPTH = 24;
/** Strings longer than this are not searched for embedded JSON (patterns still apply). */
const MAX_JSON_SCAN_CHARS = 256 * 1024;

/**
 * Keys whose values are always replaced, compared after lower-casing and removing `_`, `-`, `.`
 * and spaces (so `client_secret`, `clientSecret` and `Client-Secret` are the same key).
 */
const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  // credentials and tokens
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'credentialclaimtoken',
  'claimtoken',
  'credentials',
  'apikey',
  'xapikey',
  'privatekey',
  'secretaccesskey',
  // key material
  'wrappeddek',
  'dek',
  'datakey',
  'plaintext',
  // artifact URLs (opaque and signed)
  'artifacturl',
  'downloadurl',
  'presignedurl',
  'signedurl',
  // customer rows
  'rows',
  'row',
  'data',
  'records',
  'sample',
  'samples',
  'samplerows',
]);
/** Key suffixes that mark a secret (`sessionToken`, `db_password`, `aws_secret`, ...). */
const SENSITIVE_KEY_SUFFIXES = ['secret', 'password', 'token', 'secretaccesskey', 'apikey', 'privatekey'];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_.\s]/g, '');
}

/** True when a property named `key` must never be logged. */
export function isSensitiveKey(key: string): boolean {
  const k = normaliseKey(key);
  return SENSITIVE_KEYS.has(k) || SENSITIVE_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/** A URL (absolute or relative) whose query carries a signature, credential or expiry. */
const SIGNED_URL =
  /[^\s"'<>()[\]{}`]*[?&](?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-amz-expires|expires|access_token|token)=[^\s"'<>()[\]{}`]*/gi;
/** Signature parameters outside a recognisable URL. */
const SIGNATURE_PARAM =
  /\b(sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=[^\s&"'<>]+/gi;
const BEARER = /\bBearer\s+(?!\[REDACTED)[^\s"',;)}\]]+/gi;
const BASIC_AUTH = /\bBasic\s+(?!\[REDACTED)[A-Za-z0-9+/=]{8,}/g;
/** JWTs and anything JWT-shaped: base64url of `{"` followed by more base64url (and dots). */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)*/g;
/** The vendor's claim tokens (`cred_` + hex in the examples). */
const CLAIM_TOKEN = /\bcred_[A-Za-z0-9]{8,}/g;
const SECRET_KEY_NAMES =
  'client_secret|clientSecret|secret|password|passwd|access_token|accessToken|refresh_token|id_token|token|authorization|credential_claim_token|claim_token|claimToken|artifact_url|artifactUrl|api_key|apiKey|wrapped_dek';
/**
 * `key=value`, `key: value`, `"key":"value"` and JSON-in-a-string `\"key\":\"value\"` forms.
 * Group 3 is the separator, group 4 the value (quoted values are consumed to their closing quote).
 */
const KEY_VALUE = new RegExp(
  String.raw`(\\?["']?)\b(${SECRET_KEY_NAMES})\b\1(\s*[:=]\s*)(?!\[REDACTED|Bearer\s|Basic\s)(\\"(?:[^\\]|\\[^"])*?\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}"'\]]+)`,
  'gi',
);

/** Any absolute http(s) URL; S3 URIs stay (they carry no credential and name the object to fix). */
const ANY_URL = /\bhttps?:\/\/[^\s"'<>]+/gi;
/** The vendor's artifact download URL (API-relative or absolute), signed or not. */
const ARTIFACT_DOWNLOAD_PATH =
  /(?:https?:\/\/[^\s"'<>/]+)?\/v1\/generations\/[^\s"'?]+\/download(?:\?[^\s"'<>]*)?/gi;

/** Options of {@link redactText}. */
export interface RedactTextOptions {
  /**
   * `signed` (default): URLs carrying a signature, credential or expiry are removed. `all`: every
   * http(s) URL is removed as well, for text that leaves the function (state errors, failure
   * records), where even an unsigned artifact URL must not appear.
   */
  readonly urls?: 'signed' | 'all';
}

/** Applies the text patterns to one string. */
function scrubPatterns(text: string, options: RedactTextOptions = {}): string {
  const withoutUrls = options.urls === 'all' ? text.replace(ANY_URL, REDACTED_URL) : text;
  return withoutUrls
    .replace(SIGNED_URL, REDACTED_URL)
    .replace(ARTIFACT_DOWNLOAD_PATH, REDACTED_URL)
    .replace(SIGNATURE_PARAM, (_m, name: string) => `${name}=${REDACTED}`)
    .replace(BEARER, `Bearer ${REDACTED}`)
    .replace(BASIC_AUTH, `Basic ${REDACTED}`)
    .replace(JWT_LIKE, REDACTED_JWT)
    .replace(CLAIM_TOKEN, REDACTED_CLAIM_TOKEN)
    .replace(KEY_VALUE, (_m, q: string, key: string, sep: string, value: string) => {
      const quote = value.startsWith('\\"')
        ? '\\"'
        : value.startsWith('"')
          ? '"'
          : value.startsWith("'")
            ? "'"
            : '';
      return `${q}${key}${q}${sep}${quote}${REDACTED}${quote}`;
    });
}

/**
 * Redacts JSON embedded in a string (a serialised body or event in a message), so sensitive keys
 * are removed structurally there too. The spans from the first `{` to the last `}` and from the
 * first `[` to the last `]` are tried; text that is not JSON is left to the patterns.
 */
function redactEmbeddedJson(text: string, depth: number): string {
  if (text.length > MAX_JSON_SCAN_CHARS) return text;
  const spans = [
    [text.indexOf('{'), text.lastIndexOf('}')],
    [text.indexOf('['), text.lastIndexOf(']')],
  ]
    .filter(([start, end]) => start! >= 0 && end! > start!)
    .sort((a, b) => a[0]! - b[0]!);
  for (const [start, end] of spans as Array<[number, number]>) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(start, end + 1));
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const cleaned = redactValue(parsed, depth + 1, { seen: new WeakSet() });
    return `${text.slice(0, start)}${JSON.stringify(cleaned)}${text.slice(end + 1)}`;
  }
  return text;
}

/** Scrubs secrets out of free text (messages, error messages, stacks). */
export function redactText(text: string, options: RedactTextOptions = {}): string {
  return scrubPatterns(redactEmbeddedJson(text, 0), options);
}

/**
 * Shapes of live secrets, for leak detection in captured output (tests, the local runner, the
 * fault matrix). Narrower than the redaction patterns above, so identifiers never count as leaks,
 * and each refuses to match a redaction marker.
 */
export const LEAK_SHAPES: Readonly<Record<string, RegExp>> = {
  jwt: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  claim_token: /\bcred_[0-9a-fA-F]{16,}/g,
  bearer: /\bBearer\s+(?!\[REDACTED)[A-Za-z0-9._~+/-]{16,}/g,
  url_signature: /[?&](?:sig|signature|x-amz-signature)=(?!\[REDACTED)[0-9a-fA-F%]{16,}/gi,
};

interface RedactContext {
  /** Objects on the current path (cycle detection). */
  readonly seen: WeakSet<object>;
  /** Turns an error into a plain object before it is redacted (default: name, message, stack, fields, cause). */
  readonly formatError?: ((error: Error) => unknown) | undefined;
}

/** Options of {@link redactWith}. */
export interface RedactOptions {
  /** Formats errors (e.g. the Powertools log formatter's `formatError`); its result is redacted too. */
  readonly formatError?: (error: Error) => unknown;
}

function redactError(error: Error, depth: number, context: RedactContext): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: redactText(error.message) };
  if (error.stack !== undefined) out.stack = redactText(error.stack);
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    out[key] = isSensitiveKey(key) ? REDACTED : redactValue(value, depth + 1, context);
  }
  if (error.cause !== undefined) out.cause = redactValue(error.cause, depth + 1, context);
  return out;
}

function redactValue(value: unknown, depth: number, context: RedactContext): unknown {
  const { seen } = context;
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      return context.formatError
        ? redactValue(context.formatError(value), depth + 1, { seen })
        : redactError(value, depth, context);
    }
    if (value instanceof Date) return value;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `${REDACTED} binary`;
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, context));
    if (value instanceof Map) return redactValue(Object.fromEntries(value), depth + 1, context);
    if (value instanceof Set) return redactValue([...value], depth + 1, context);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactValue(toJSON.call(value), depth + 1, context);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSensitiveKey(key) ? REDACTED : redactValue(item, depth + 1, context);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Returns a copy of `value` that is safe to log: sensitive keys (secrets, tokens, authorization,
 * claim tokens, artifact URLs, row data, key material) are replaced by `[REDACTED]` at any depth,
 * errors become plain objects with their message, stack, extra fields and cause redacted, binary
 * buffers are dropped, and every string is scrubbed of bearer tokens, JWT-shaped strings, claim
 * tokens, signed URLs and `secret=value` fragments (including JSON embedded in the string).
 * Identifiers such as `dataset_id`, `generation_id`, `request_id` and `job_id` are kept.
 */
export function redact<T>(value: T): T extends string ? string : unknown {
  return redactValue(value, 0, { seen: new WeakSet() }) as T extends string ? string : unknown;
}

/** {@link redact} with a custom error formatter (whose output is redacted as well). */
export function redactWith(value: unknown, options: RedactOptions): unknown {
  return redactValue(value, 0, { seen: new WeakSet(), formatError: options.formatError });
}

/**
 * A `JSON.stringify` replacer applying the same rules per key/value pair; the last line of defence
 * for anything serialised to a log line.
 */
export function redactingJsonReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSensitiveKey(key)) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `${REDACTED} binary`;
  return value;
}
