/**
 * Counts the AWS SDK calls the handlers of a local run make (every one served by the one moto
 * process): the scale benchmark reports them per run and per second, the local stack's own limit,
 * and which service operations and which functions make them.
 */
import { onAwsClient, type HookableClient } from '../lambdas/commons/clients/lazy.ts';
import { containerId } from '../lambdas/commons/container.ts';

type Next = (args: unknown) => Promise<unknown>;

interface MiddlewareContext {
  readonly clientName?: string;
  readonly commandName?: string;
}

export interface AwsCallCounter {
  /** Calls completed (or failed) since the last reset. */
  readonly calls: () => number;
  /** Calls by `Service:Operation` (e.g. `DynamoDB:UpdateItem`), most first. */
  readonly byOperation: () => Record<string, number>;
  /** Calls by the function that made them (its construct id; `-` outside a function), most first. */
  readonly byFunction: () => Record<string, number>;
  /** Calls by `function Service:Operation`, most first. */
  readonly byFunctionOperation: () => Record<string, number>;
  /**
   * The calls that failed (counted in the figures above too) by `function Service:Operation
   * ErrorName`, most first: e.g. a conditional write that lost, a probe for an absent object.
   */
  readonly failures: () => Record<string, number>;
  readonly reset: () => void;
}

let calls = 0;
const byFunctionOperation = new Map<string, Map<string, number>>();
/** The calls that failed, by function and `Service:Operation ErrorName` (also counted above). */
const failures = new Map<string, Map<string, number>>();

/** `DynamoDBClient` + `UpdateItemCommand` → `DynamoDB:UpdateItem`. */
export function operationLabel(context: MiddlewareContext): string {
  const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
  return `${service}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
}

function record(fn: string, operation: string, into = byFunctionOperation): void {
  if (into === byFunctionOperation) calls += 1;
  let operations = into.get(fn);
  if (!operations) into.set(fn, (operations = new Map<string, number>()));
  operations.set(operation, (operations.get(operation) ?? 0) + 1);
}

const countCalls = (client: HookableClient): void => {
  (client.middlewareStack.add as (middleware: unknown, options: unknown) => void)(
    (next: Next, context: MiddlewareContext) => async (args: unknown) => {
      const fn = containerId() || '-';
      const operation = operationLabel(context);
      try {
        const out = await next(args);
        record(fn, operation);
        return out;
      } catch (err) {
        // Failed calls count too, under the operation and apart by error (e.g. a lost conditional write).
        record(fn, operation);
        record(fn, `${operation} ${err instanceof Error ? err.name : 'Error'}`, failures);
        throw err;
      }
    },
    { step: 'initialize', name: 'benchAwsCallCounter', override: true },
  );
};

/** `counts` as a plain object, largest first (ties by name). */
function sorted(counts: Map<string, number>): Record<string, number> {
  const entries = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return Object.fromEntries(entries);
}

function summed(
  key: (fn: string, operation: string) => string,
  from = byFunctionOperation,
): Record<string, number> {
  const totals = new Map<string, number>();
  for (const [fn, operations] of from)
    for (const [operation, n] of operations) {
      const k = key(fn, operation);
      totals.set(k, (totals.get(k) ?? 0) + n);
    }
  return sorted(totals);
}

/** Starts counting the handlers' SDK calls (clients created before and after). */
export function countAwsCalls(): AwsCallCounter {
  onAwsClient(countCalls);
  return {
    calls: () => calls,
    byOperation: () => summed((_, operation) => operation),
    byFunction: () => summed((fn) => fn),
    byFunctionOperation: () => summed((fn, operation) => `${fn} ${operation}`),
    failures: () => summed((fn, failure) => `${fn} ${failure}`, failures),
    reset: () => {
      calls = 0;
      byFunctionOperation.clear();
      failures.clear();
    },
  };
}
