/**
 * Starts and stops a local moto server (the project's AWS emulator, installed in `.venv` by
 * `npm run setup`) on a free 127.0.0.1 port.
 *
 * The server runs in its own process group under a tiny shell watchdog that kills it when this
 * Node process goes away, even abruptly (the watchdog reads our stdin pipe and acts on EOF).
 * `stop()` and this process's `exit` event kill the whole group.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface MotoOptions {
  /** Repository root holding `.venv/`; defaults to this checkout. */
  readonly root?: string;
  /** Region the returned config uses (moto accepts any); default `us-east-1`. */
  readonly region?: string;
  /** How long to wait for the server to answer; default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface RunningMoto {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The server's process group (benchmarks read its CPU time from /proc). */
  readonly processGroup?: number;
  /** Kills the server's process group and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** AWS SDK v3 client configuration pointing at a running moto server. */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: true;
}

/** Thrown when moto is not installed or does not come up. */
export class MotoStartError extends Error {
  override readonly name = 'MotoStartError';
}

const DEFAULT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Runs moto_server with the AWS rules moto leaves out (Glue `VersionId` checks) added back. */
const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'moto-server.py');
const WATCHDOG =
  '"$0" "$@" & child=$!; trap \'kill "$child" 2>/dev/null\' EXIT; ' +
  'while kill -0 "$child" 2>/dev/null && read -r -t 1 _ || [ $? -gt 128 ]; do :; done';

/** Starts moto on a free loopback port and resolves once it answers HTTP requests. */
export async function startMoto(options: MotoOptions = {}): Promise<RunningMoto> {
  const root = options.root ?? DEFAULT_ROOT;
  const binary = path.join(root, '.venv', 'bin', 'moto_server');
  if (!existsSync(binary)) {
    throw new MotoStartError(`moto server not found at ${binary}; run "npm run setup" to create .venv`);
  }
  const region = options.region ?? 'us-east-1';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let lastError: unknown;
  // A port found free can be taken before moto binds it; try a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const python = path.join(root, '.venv', 'bin', 'python');
    const child = spawn('bash', ['-c', WATCHDOG, python, LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      // The emulator must not see the user's AWS profile, endpoint or credentials.
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'))),
    });
    const output: string[] = [];
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output.push(chunk);
      if (output.length > 50) output.shift();
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const stop = stopper(child);
    try {
      await waitUntilReady(endpoint, child, timeoutMs);
      return {
        endpoint,
        region,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        ...(child.pid === undefined ? {} : { processGroup: child.pid }),
        stop,
      };
    } catch (error) {
      await stop();
      lastError = new MotoStartError(
        `moto server did not start on ${endpoint}: ${(error as Error).message}\n${output.join('').slice(-2000)}`,
        { cause: error },
      );
    }
  }
  throw lastError;
}

/** SDK client settings for a running moto server (path-style S3 addressing). */
export function awsClientConfig(
  moto: Pick<RunningMoto, 'endpoint' | 'region' | 'credentials'>,
): MotoClientConfig {
  return {
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: moto.credentials,
    forcePathStyle: true,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the process exited (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

/** Returns an idempotent stop function and kills the group when this process exits. */
function stopper(child: ChildProcess): () => Promise<void> {
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>((resolve) => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) {
        killGroup('SIGKILL');
        resolve();
        return;
      }
      const force = setTimeout(() => killGroup('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        killGroup('SIGKILL');
        resolve();
      });
      child.stdin?.end();
      killGroup('SIGTERM');
    });
    return stopping;
  };
}
