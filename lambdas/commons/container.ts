/**
 * Which Lambda container an invocation runs in. On AWS each function has its own process, so
 * there is one container and the id is empty. The local runner runs every function in one
 * process and names the function per invocation, so what a handler memoises per container
 * (the vendor client, its credentials and token) stays per function, as it is on AWS. It also
 * gives each container its own `/tmp` (a directory bounded by the function's ephemeral storage),
 * which {@link containerTmpDir} returns in place of the OS temp dir.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { tmpdir } from 'node:os';

interface Container {
  readonly id: string;
  readonly tmpDir: string | null;
}

const current = new AsyncLocalStorage<Container>();

/** Runs `work` as an invocation of the container `id`, with `tmpDir` as its `/tmp` when given. */
export function runInContainer<T>(id: string, work: () => T, options: { tmpDir?: string } = {}): T {
  return current.run({ id, tmpDir: options.tmpDir ?? null }, work);
}

/** The id of the container the caller runs in ('' outside a local runner). */
export function containerId(): string {
  return current.getStore()?.id ?? '';
}

/** The container's `/tmp`: the OS temp dir on AWS, the container's own directory in a local run. */
export function containerTmpDir(): string {
  return current.getStore()?.tmpDir ?? tmpdir();
}
