/**
 * AWS SDK clients for handlers, one module per service so a bundle carries only the clients its
 * handler uses. Each client is created on first use with the SDK's normal configuration chain,
 * so `AWS_ENDPOINT_URL` (or the per-service variants) points it at a local emulator such as moto.
 */

const resets = new Set<() => void>();

/** A container-wide singleton built by `create` on first call. */
export function lazyClient<T>(create: () => T): () => T {
  let instance: T | undefined;
  resets.add(() => {
    instance = undefined;
  });
  return () => (instance ??= create());
}

/**
 * Forgets every client created so far, so the next call builds a fresh one (tests that change
 * `AWS_ENDPOINT_URL` between runs, e.g. a new moto port).
 */
export function resetAwsClientsForTests(): void {
  for (const reset of resets) reset();
}
