/**
 * The one handler skeleton. Every handler in `lambdas/` is `defineHandler({...})`: its input
 * schema, the environment it reads (validated once per container, at the first invocation, listing
 * every bad variable), the log keys of an invocation, the failure ids and error mapping, and the
 * work itself. The skeleton adds the Powertools context and metrics flush, appends the log keys,
 * and logs every failure once (its name and scrubbed details) before rethrowing the mapped error.
 */
import type * as z from '../../src/contracts/zod.ts';
import { ConfigurationError, lazyConfig, type ConfigShape } from './config.ts';
import {
  StateError,
  VendorTerminalError,
  failure,
  toStateError,
  type FailureIds,
} from '../../src/contracts/state-errors.ts';
import { withinInvocation } from './invocation.ts';
import { logger, withObservability, type AsyncHandler } from './observability.ts';
import { redactText } from '../../src/observability/redact.ts';

/** Log attributes appended to every line of one invocation. */
export type LogKeys = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface HandlerDefinition<I, O, S extends ConfigShape> {
  /** What the handler does, for the failure log line (`<name> failed`). */
  readonly name: string;
  /** Input schema; a failure becomes `InputValidationError` naming every bad field. */
  readonly input: { parse(value: unknown): I };
  /** Environment variables read (zod shape keyed by variable name). */
  readonly config?: S;
  /** Attributes for every log line of the invocation (ids, never secrets). */
  readonly logKeys?: (input: I) => LogKeys;
  /**
   * Resource ids recorded with a failure, read from the raw event so that a failure to parse the
   * input still carries them.
   */
  readonly failureIds?: (event: unknown) => FailureIds;
  /**
   * Maps an error to what the handler throws (default {@link toStateError}: the names the state
   * machines' Retry/Catch match on).
   */
  readonly mapError?: (err: unknown, ids: FailureIds) => Error;
  /** The work: validated input and configuration in, result out. */
  readonly run: (input: I, config: z.infer<z.ZodMiniObject<S>>, invocation: Invocation) => Promise<O>;
}

/** Facts about one invocation the skeleton records before any work. */
export interface Invocation {
  /** When the handler was entered, epoch ms (a held pacing slot's lateness is judged at it). */
  readonly startedAt: number;
  /**
   * Aborted when the invocation gives up at its early timeout (`InvocationTimeoutError`): the
   * abandoned attempt must stop, or it resumes beside the step's Retry in the same warm sandbox.
   * Also what `invocationSignal()` (invocation.ts) returns inside the invocation.
   */
  readonly signal: AbortSignal;
}

/** Logs a failure once: a state error's name and (already scrubbed) details, else name and redacted message. */
function logFailure(name: string, error: Error): void {
  if (error instanceof StateError) {
    logger.error(`${name} failed`, { error: error.name, details: error.details });
  } else {
    logger.error(`${name} failed`, { error: error.name, reason: redactText(error.message) });
  }
}

/** A Lambda handler built on the skeleton (see the module comment). */
export function defineHandler<I, O, S extends ConfigShape = Record<never, never>>(
  definition: HandlerDefinition<I, O, S>,
): AsyncHandler<unknown, O> {
  const config = lazyConfig((definition.config ?? {}) as S);
  const mapError = definition.mapError ?? toStateError;
  return withObservability(async (event: unknown, context, { signal }): Promise<O> => {
    const invocation: Invocation = { startedAt: Date.now(), signal };
    const ids = definition.failureIds?.(event) ?? {};
    try {
      const env = config();
      const input = definition.input.parse(event);
      if (definition.logKeys) logger.appendKeys(definition.logKeys(input));
      return await withinInvocation(context, signal, () => definition.run(input, env, invocation));
    } catch (err) {
      if (signal.aborted) {
        // The invocation already answered InvocationTimeoutError; this is the abandoned attempt
        // stopping, which nobody receives.
        logger.warn(`${definition.name} stopped after the invocation timed out`);
        throw err;
      }
      const mapped =
        err instanceof ConfigurationError
          ? new VendorTerminalError(failure('configuration_invalid', err.message, ids), { cause: err })
          : mapError(err, ids);
      logFailure(definition.name, mapped);
      throw mapped;
    }
  });
}

/** `event[key]` when it is a non-empty string, else null (for {@link HandlerDefinition.failureIds}). */
export function stringField(event: unknown, key: string): string | null {
  if (typeof event !== 'object' || event === null) return null;
  const value = (event as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : null;
}
