/**
 * Column-name normalisation as the vendor's cleaning applies it. The vendor (an R backend) renames
 * seed columns into identifier-safe form, `purchase_intent` -> `purchase.intent`; the contract
 * notes (§8) infer R's `make.names` plus `_` -> `.`. This module is the single definition of that
 * rule: the simulator's cleaning imports it to rename columns, and the conditions resolver imports
 * it to map customer-written names onto the cleaned schema, so both always agree.
 */

/** R's reserved words; `make.names` appends `.` to them. */
const R_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'if',
  'else',
  'repeat',
  'while',
  'function',
  'for',
  'in',
  'next',
  'break',
  'TRUE',
  'FALSE',
  'NULL',
  'Inf',
  'NaN',
  'NA',
  'NA_integer_',
  'NA_real_',
  'NA_character_',
  'NA_complex_',
]);

/** A character `make.names` keeps (letters and digits of any script, `.` and `_`). */
const VALID_CHAR = /[\p{L}\p{Nd}._]/u;
/** A syntactically valid start: a letter, or a dot not followed by a digit. */
const VALID_START = /^(?:\p{L}|\.(?!\p{Nd}))/u;
/** R's `..1`, `..2`, ... are reserved too. */
const DOT_DOT_NUMBER = /^\.\.\d+$/;

/**
 * The name the vendor's cleaning gives a seed column:
 *
 * 1. leading and trailing whitespace is trimmed; an empty name becomes `X`;
 * 2. `X` is prepended when the name does not start with a letter or with a dot not followed by a
 *    digit (`1st_wave` -> `X1st.wave`, `_id` -> `X.id`, `.5` -> `X.5`);
 * 3. every character other than a letter, a digit, `.` or `_` becomes `.`
 *    (`Purchase Intent` -> `Purchase.Intent`, `net-score` -> `net.score`);
 * 4. R reserved words get a trailing `.` (`TRUE` -> `TRUE.`, `in` -> `in.`);
 * 5. `_` becomes `.` (`purchase_intent` -> `purchase.intent`).
 *
 * Case is preserved. Duplicate results are made unique by the cleaning (`.1`, `.2`, ... as
 * `make.names(unique = TRUE)` does), which depends on the other columns and is not part of this
 * per-name function. Pure and idempotent: `vendorColumnName(vendorColumnName(x)) === vendorColumnName(x)`.
 */
export function vendorColumnName(original: string): string {
  let name = original.trim();
  if (name === '') return 'X';
  if (!VALID_START.test(name)) name = `X${name}`;
  let out = '';
  for (const char of name) out += VALID_CHAR.test(char) ? char : '.';
  if (R_RESERVED_WORDS.has(out) || DOT_DOT_NUMBER.test(out)) out = `${out}.`;
  return out.replaceAll('_', '.');
}

/**
 * A case-insensitive comparison key: the vendor name, lower-cased. Two names with the same key
 * are the same column for the resolver's normalised match (the vendor quickstarts match
 * `lowercase(replace(name, "_" => "."))`, which this key generalises).
 */
export function columnMatchKey(name: string): string {
  return vendorColumnName(name).toLowerCase();
}
