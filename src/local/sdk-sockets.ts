/**
 * The AWS SDK sockets of functions run by the local runner. On AWS each Lambda instance is its own
 * process with its own SDK clients, each with an agent of 50 sockets (the SDK's default), and runs
 * one invocation at a time: a function never queues for a socket behind other invocations. The
 * local runner runs every invocation in one process, where each service has one client shared by
 * all of them; with the SDK's default, a thousand concurrent runs would queue for 50 sockets (a
 * local artefact that made StartIngest and the poll steps reach their timeouts). Here each client
 * gets an agent with {@link LOCAL_SDK_SOCKETS} sockets instead. Only clients built for the
 * handlers of a local run are changed (through the clients' hook); the deployed defaults are not.
 */
import type { HookableClient } from '../../lambdas/commons/clients/lazy.ts';

/** Sockets per SDK client in a local run: enough for every concurrent invocation's calls. */
export const LOCAL_SDK_SOCKETS = 2_000;

/** The SDK's Node request handler: its class takes the agent's options. */
interface NodeRequestHandler {
  updateHttpClientConfig?: unknown;
  constructor: new (options: { httpAgent: { maxSockets: number } }) => unknown;
}

/**
 * Gives `client` (an SDK v3 client) a keep-alive agent of `sockets` sockets for its plain-HTTP
 * endpoint (the local emulator). A client without the Node request handler is left as it is.
 *
 * The handler is replaced by a new one of the same class (so of the client's own copy of the SDK:
 * a built bundle carries one) given the agent's options, not an agent: the handler loads
 * `node:http` only while it builds its agent, so one handed a ready agent (`updateHttpClientConfig`)
 * has no `http.request` in a bundle whose clients never built one and fails its first call.
 */
export function widenSdkSockets(client: HookableClient, sockets = LOCAL_SDK_SOCKETS): void {
  const config = (client as { config?: { requestHandler?: unknown } }).config;
  const handler = config?.requestHandler as NodeRequestHandler | undefined;
  if (!config || typeof handler?.updateHttpClientConfig !== 'function') return;
  config.requestHandler = new handler.constructor({ httpAgent: { maxSockets: sockets } });
}

/** The hook the local runner registers (one function, so registering it again adds nothing). */
export const widenLocalSdkSockets = (client: HookableClient): void => widenSdkSockets(client);
