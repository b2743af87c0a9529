/**
 * Environment configuration for Lambda handlers: validated once per container with zod, failing
 * with one error that lists every missing or invalid variable.
 */
import * as z from '../../src/contracts/zod.ts';

/** A zod shape keyed by environment variable name. */
export type ConfigShape = z.core.$ZodShape;

/** One or more environment variables are missing or invalid. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  /** `NAME: problem` for each bad variable. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid Lambda configuration; set these environment variables: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/**
 * Parses `env` against `shape` (keys are environment variable names).
 *
 * @throws ConfigurationError naming every missing or invalid variable.
 */
export function readConfig<S extends ConfigShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodMiniObject<S>> {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(shape)) {
    const value = env[name];
    picked[name] = value === undefined || value === '' ? undefined : value;
  }
  const parsed = z.object(shape).safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || '(root)';
      return picked[name] === undefined ? `${name}: is not set` : `${name}: ${issue.message}`;
    });
    throw new ConfigurationError(problems);
  }
  return parsed.data;
}

/** A non-empty string variable. */
export const requiredString = (): z.ZodMiniString => z.string().check(z.minLength(1));

/** A memoised configuration reader; `reset()` forgets the value (tests only). */
export interface LazyConfig<T> {
  (): T;
  reset(): void;
}

const readers = new Set<LazyConfig<unknown>>();

/**
 * `readConfig` deferred to the first call and then memoised: the configuration is validated
 * once per container, at the first invocation, so importing a handler never throws.
 */
export function lazyConfig<S extends ConfigShape>(shape: S): LazyConfig<z.infer<z.ZodMiniObject<S>>> {
  let config: z.infer<z.ZodMiniObject<S>> | undefined;
  const read = (): z.infer<z.ZodMiniObject<S>> => (config ??= readConfig(shape));
  const reader = Object.assign(read, {
    reset: () => {
      config = undefined;
    },
  });
  readers.add(reader);
  return reader;
}

/** Forgets every memoised configuration (tests that change the environment between cases). */
export function resetConfigForTests(): void {
  for (const reader of readers) reader.reset();
}
