/**
 * The project's one zod entry point: `zod/mini` (functional, tree-shakeable: about 70 KiB less per
 * Lambda bundle than classic zod's method-chaining API) with classic zod's English messages, so a
 * rejected input reads the same, e.g. "Too small: expected string to have >=1 characters".
 * Import it as `import * as z from '<path>/contracts/zod.ts'`.
 */
import { config, pipe, transform, type core } from 'zod/mini';
import { $ZodError } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/**
 * The error every zod schema's `parse` throws (mini and classic alike), for `instanceof` checks;
 * `z.core.$ZodError` would pull all of `zod/v4/core` (every locale) into a bundle.
 */
export { $ZodError as ZodError };

/** Classic zod's `z.preprocess`: `fn` runs on the raw input, then `schema` validates its result. */
export function preprocess<S extends core.$ZodType>(fn: (value: unknown) => unknown, schema: S) {
  return pipe(transform(fn), schema);
}
