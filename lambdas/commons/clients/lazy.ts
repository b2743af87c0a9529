/**
 * AWS SDK clients for handlers, one module per service so a bundle carries only the clients its
 * handler uses. Each client is created on first use with the SDK's normal configuration chain,
 * so `AWS_ENDPOINT_URL` (or the per-service variants) points it at a local emulator such as moto.
 */

const resets = new Set<() => void>();

/** Anything with an SDK middleware stack (every v3 client). */
export interface HookableClient {
  readonly middlewareStack: { add: (...args: never[]) => unknown };
}

/** Called with every client created here (local runs judge each call with it). */
export type AwsClientHook = (client: HookableClient) => void;

/**
 * Kept on `globalThis` under a registered symbol so that every copy of this module in one process
 * shares it: a built function bundle carries its own copy, and the local runner's IAM judge must
 * see that bundle's clients too (test/integration/lambdas/function-bundles.test.ts).
 */
interface HookRegistry {
  readonly hooks: AwsClientHook[];
  readonly created: Set<HookableClient>;
}
const REGISTRY_KEY = Symbol.for('simulacra-pipeline.aws-client-hooks');
const registry = ((globalThis as Record<symbol, HookRegistry | undefined>)[REGISTRY_KEY] ??= {
  hooks: [],
  created: new Set<HookableClient>(),
});
const { hooks, created } = registry;

/**
 * Applies `hook` to every client created so far and every client created later. Local tooling
 * adds SDK middleware with it; deployed handlers register none.
 */
export function onAwsClient(hook: AwsClientHook): void {
  if (hooks.includes(hook)) return;
  hooks.push(hook);
  for (const client of created) hook(client);
}

function hooked<T>(client: T): T {
  const hookable = client as unknown as HookableClient;
  created.add(hookable);
  for (const hook of hooks) hook(hookable);
  return client;
}

/** A container-wide singleton built by `create` on first call. */
export function lazyClient<T>(create: () => T): () => T {
  let instance: T | undefined;
  resets.add(() => {
    if (instance !== undefined) created.delete(instance as unknown as HookableClient);
    instance = undefined;
  });
  return () => (instance ??= hooked(create()));
}

/**
 * Forgets every client created so far, so the next call builds a fresh one (tests that change
 * `AWS_ENDPOINT_URL` between runs, e.g. a new moto port).
 */
export function resetAwsClientsForTests(): void {
  for (const reset of resets) reset();
}
