/**
 * The one source of the pipeline's name rules. A feed name becomes the `seeds/<feed>/` prefix, the
 * `feed=<feed>` partition and (with `-` as `_`) the Glue table name; a scenario name becomes the
 * `scenario=<name>` partition. The construct's props validation, the runtime (start-ingest, the
 * scenario file) and the CLI all check names here, so a name the construct accepts is one the
 * runtime accepts.
 */

/** A naming rule: the pattern, the rule in words and a valid example for error messages. */
export interface NameRule {
  /** What is named, e.g. `feed name`. */
  readonly subject: string;
  readonly pattern: RegExp;
  /** The rule in words, e.g. `1-63 lower-case letters, digits, "-" or "_", ...`. */
  readonly rule: string;
  /** A valid example. */
  readonly example: string;
  /** Characters allowed after the first (lower-case), for {@link suggestName}. */
  readonly allowed: RegExp;
  readonly maxLength: number;
}

/** Feed names: `seeds/<feed>/`, `feed=<feed>`, Glue table `<feed>` with `-` as `_`. */
export const FEED_NAME_RULE: NameRule = {
  subject: 'feed name',
  pattern: /^[a-z0-9][a-z0-9_-]{0,62}$/,
  rule: '1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (pattern ^[a-z0-9][a-z0-9_-]{0,62}$)',
  example: 'customers',
  allowed: /[^a-z0-9_-]+/g,
  maxLength: 63,
};

/** Scenario names: the `scenario=<name>` partition value. */
export const SCENARIO_NAME_RULE: NameRule = {
  subject: 'scenario name',
  pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
  rule: '1-63 lower-case letters, digits or "-", starting with a letter or digit (pattern ^[a-z0-9][a-z0-9-]{0,62}$)',
  example: 'premium-heavy',
  allowed: /[^a-z0-9-]+/g,
  maxLength: 63,
};

/** Whether `value` follows `rule`. */
export function isValidName(rule: NameRule, value: string): boolean {
  return rule.pattern.test(value);
}

/** A name close to `input` that follows `rule` (the rule's example when nothing is left). */
export function suggestName(rule: NameRule, input: string): string {
  const slug = input
    .toLowerCase()
    .replace(rule.allowed, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, rule.maxLength)
    .replace(/[-_]+$/g, '');
  return slug === '' ? rule.example : slug;
}

/**
 * What is wrong with `value` under `rule`, or null when it is valid: the value, the rule and a
 * valid example close to it, e.g. `feed name "Retail.EU" is invalid: use 1-63 ... (e.g. "retail-eu")`.
 */
export function nameProblem(rule: NameRule, value: string): string | null {
  if (isValidName(rule, value)) return null;
  return `${rule.subject} "${value}" is invalid: use ${rule.rule}, e.g. "${suggestName(rule, value)}"`;
}

/** A name that breaks its rule; the message names the rule and a valid example. */
export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
  readonly rule: NameRule;
  readonly value: string;
  constructor(rule: NameRule, value: string) {
    super(nameProblem(rule, value) ?? `${rule.subject} "${value}" is invalid`);
    this.rule = rule;
    this.value = value;
  }
}

/** Throws {@link InvalidNameError} unless `value` follows `rule`. */
export function assertValidName(rule: NameRule, value: string): void {
  if (!isValidName(rule, value)) throw new InvalidNameError(rule, value);
}
