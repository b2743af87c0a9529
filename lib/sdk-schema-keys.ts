/**
 * An esbuild plugin that lets the bundles drop the AWS SDK schemas their handlers never use.
 *
 * Each SDK client ships every shape of its service in `dist-es/schemas/schemas_0.js`: one
 * top-level `var X$ = [...]` per shape, its traits in object literals keyed by module constants
 * (`{ [_hH]: _xarc }`, `const _hH = "httpHeader"`). esbuild keeps any statement whose object
 * literal has a computed key that is not a literal (the key's `toString` could have a side
 * effect), so it kept all of them: 66 KiB of S3's shapes in a function that sends four S3
 * commands. With the constants' string values written into those keys, unused shapes are dead
 * code esbuild removes; the module means exactly the same (`{ ["httpHeader"]: ... }`).
 *
 */
import { loadTransformPlugin } from './load-transform-plugin.ts';

/** The generated schema modules of the SDK's service clients. */
export const SDK_SCHEMA_MODULE =
  /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** A top-level `const name = "value";` of a generated schema module. */
const STRING_CONSTANT = /^const ([A-Za-z_$][\w$]*) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** A computed key naming an identifier, in an object literal: `{ [name]:` or `, [name]:`. */
const COMPUTED_IDENTIFIER_KEY = /([{,]\s*)\[([A-Za-z_$][\w$]*)\]:/g;

/**
 * `source` with every computed object key that names one of its top-level string constants
 * replaced by that constant's literal; other keys are left as they are.
 */
export function inlineSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(name!, literal!);
  if (constants.size === 0) return source;
  return source.replace(COMPUTED_IDENTIFIER_KEY, (key: string, before: string, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${before}[${literal}]:`;
  });
}

/** esbuild plugin applying {@link inlineSchemaKeys} to every SDK schema module it bundles. */
export const sdkSchemaKeysPlugin = loadTransformPlugin(
  'sdk-schema-keys',
  SDK_SCHEMA_MODULE,
  'js',
  inlineSchemaKeys,
);
