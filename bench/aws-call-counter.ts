/**
 * Counts the AWS SDK calls the handlers of a local run make (every one served by the one moto
 * process): the scale benchmark reports them per run and per second, the local stack's own limit.
 */
import { onAwsClient, type HookableClient } from '../lambdas/commons/clients/lazy.ts';

type Next = (args: unknown) => Promise<unknown>;

export interface AwsCallCounter {
  /** Calls completed (or failed) since the last reset. */
  readonly calls: () => number;
  readonly reset: () => void;
}

let calls = 0;
const countCalls = (client: HookableClient): void => {
  (client.middlewareStack.add as (middleware: unknown, options: unknown) => void)(
    (next: Next) => async (args: unknown) => {
      try {
        return await next(args);
      } finally {
        calls += 1;
      }
    },
    { step: 'initialize', name: 'benchAwsCallCounter', override: true },
  );
};

/** Starts counting the handlers' SDK calls (clients created before and after). */
export function countAwsCalls(): AwsCallCounter {
  onAwsClient(countCalls);
  return {
    calls: () => calls,
    reset: () => {
      calls = 0;
    },
  };
}
