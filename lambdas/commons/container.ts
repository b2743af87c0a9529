/**
 * Which Lambda container an invocation runs in. On AWS each function has its own process, so
 * there is one container and the id is empty. The local runner runs every function in one
 * process and names the function per invocation, so what a handler memoises per container
 * (the vendor client, its credentials and token) stays per function, as it is on AWS.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<string>();

/** Runs `work` as an invocation of the container `id`. */
export function runInContainer<T>(id: string, work: () => T): T {
  return current.run(id, work);
}

/** The id of the container the caller runs in ('' outside a local runner). */
export function containerId(): string {
  return current.getStore() ?? '';
}
