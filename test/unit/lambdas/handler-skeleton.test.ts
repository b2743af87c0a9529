import { context } from '../../support/lambda-env.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { requiredString } from '../../../lambdas/commons/config.ts';
import {
  InputValidationError,
  InvocationTimeoutError,
  VendorTerminalError,
} from '../../../src/contracts/state-errors.ts';
import { defineHandler } from '../../../lambdas/commons/handler.ts';
import {
  INVOCATION_MARGIN_MS,
  invocationDeadline,
  invocationSignal,
} from '../../../lambdas/commons/invocation.ts';
import { invocationBoundFetch } from '../../../lambdas/commons/vendor.ts';
import { logger } from '../../../lambdas/commons/observability.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ';

describe('defineHandler', () => {
  it('reads its configuration once per container, at the first invocation', async () => {
    vi.stubEnv('SKELETON_BUCKET', 'first');
    const seen: string[] = [];
    const handler = defineHandler({
      name: 'Test',
      input: z.object({ id: z.string() }),
      config: { SKELETON_BUCKET: requiredString() },
      run: (input, config) => {
        seen.push(`${input.id}:${config.SKELETON_BUCKET}`);
        return Promise.resolve(seen.length);
      },
    });
    await handler({ id: 'a' }, context);
    vi.stubEnv('SKELETON_BUCKET', 'second');
    await handler({ id: 'b' }, context);
    expect(seen).toEqual(['a:first', 'b:first']);
  });

  it('names every missing variable in one terminal error, logged once', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = defineHandler({
      name: 'Test',
      input: z.unknown(),
      config: { SKELETON_MISSING_A: requiredString(), SKELETON_MISSING_B: requiredString() },
      failureIds: () => ({ dataset_id: 'ds_1' }),
      run: () => Promise.resolve(1),
    });
    const err = await handler({}, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorTerminalError);
    expect((err as VendorTerminalError).details).toMatchObject({
      code: 'configuration_invalid',
      dataset_id: 'ds_1',
    });
    expect((err as Error).message).toContain('SKELETON_MISSING_A: is not set');
    expect((err as Error).message).toContain('SKELETON_MISSING_B: is not set');
    expect(error).toHaveBeenCalledTimes(1);
  });

  it('maps bad input to InputValidationError with the ids read from the raw event', async () => {
    const handler = defineHandler({
      name: 'Test',
      input: z.object({ generationId: z.string(), rows: z.number() }),
      failureIds: (event) => ({ generation_id: (event as { generationId: string }).generationId }),
      run: () => Promise.resolve(1),
    });
    const err = await handler({ generationId: 'gen_1', rows: 'x' }, context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputValidationError);
    expect((err as InputValidationError).details).toMatchObject({
      code: 'invalid_input',
      generation_id: 'gen_1',
    });
    expect((err as Error).message).toContain('rows');
  });

  it('appends the log keys and logs a failure with scrubbed details only', async () => {
    const append = vi.spyOn(logger, 'appendKeys');
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = defineHandler({
      name: 'Test step',
      input: z.object({ runId: z.string() }),
      logKeys: (input) => ({ runId: input.runId }),
      run: () => Promise.reject(new Error(`vendor said Bearer ${JWT}`)),
    });
    const err = await handler({ runId: 'run-1' }, context).catch((e: unknown) => e);
    expect(append).toHaveBeenCalledWith({ runId: 'run-1' });
    expect(err).toBeInstanceOf(VendorTerminalError);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![0]).toBe('Test step failed');
    expect(JSON.stringify(error.mock.calls[0])).not.toContain(JWT);
  });

  it('lets a handler keep its own error type (mapError) and still logs it redacted', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    class RotationFailed extends Error {
      override readonly name = 'RotationFailed';
    }
    const handler = defineHandler({
      name: 'Rotation',
      input: z.unknown(),
      mapError: (e) => e as Error,
      run: () => Promise.reject(new RotationFailed(`token ${JWT} refused`)),
    });
    await expect(handler({}, context)).rejects.toBeInstanceOf(RotationFailed);
    expect(JSON.stringify(error.mock.calls[0])).not.toContain(JWT);
  });
});

describe('an invocation running out of time', () => {
  const shortContext = (remainingMs: number) => ({
    ...context,
    getRemainingTimeInMillis: () => remainingMs,
  });

  it('fails with InvocationTimeoutError, which the state machines retry, not a bare TimeoutError', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = defineHandler({
      name: 'Slow',
      input: z.unknown(),
      run: () => new Promise<number>(() => undefined),
    });
    const err = await handler({}, shortContext(400)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvocationTimeoutError);
    expect((err as InvocationTimeoutError).name).toBe('InvocationTimeoutError');
    expect((err as InvocationTimeoutError).details).toMatchObject({ code: 'invocation_timeout' });
    expect(error).toHaveBeenCalledWith('invocation timed out', expect.anything());
  });

  it('gives the run a signal that aborts at the early timeout, so the abandoned attempt stops', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    let seen: AbortSignal | undefined;
    let seenInside: AbortSignal | null = null;
    let stoppedAt = 0;
    const handler = defineHandler({
      name: 'Slow',
      input: z.unknown(),
      run: (_input, _config, { signal }) => {
        seen = signal;
        seenInside = invocationSignal();
        // Work that stops when told to, as the landing does.
        return new Promise<number>((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            stoppedAt = Date.now();
            reject(new Error('stopped'));
          });
        });
      },
    });
    const started = Date.now();
    const err = await handler({}, shortContext(400)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvocationTimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(seenInside).toBe(seen);
    // Aborted at the early timeout (400 - 250 ms), not left running.
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt - started).toBeLessThan(400);
    expect(invocationSignal()).toBeNull();
  });

  it('leaves the signal untouched when the run finishes in time', async () => {
    let seen: AbortSignal | undefined;
    const handler = defineHandler({
      name: 'Quick',
      input: z.unknown(),
      run: (_input, _config, { signal }) => {
        seen = signal;
        return Promise.resolve(1);
      },
    });
    await expect(handler({}, shortContext(60_000))).resolves.toBe(1);
    expect(seen?.aborted).toBe(false);
  });

  it("aborts the vendor client's requests with the invocation", async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    let requestSignal: AbortSignal | undefined;
    const base = (_input: URL | string, init: RequestInit) => {
      requestSignal = init.signal ?? undefined;
      return new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    };
    const handler = defineHandler({
      name: 'Vendor',
      input: z.unknown(),
      run: () => invocationBoundFetch(base)('https://api.example.test/v1/x', {}).then(() => 1),
    });
    const err = await handler({}, shortContext(400)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvocationTimeoutError);
    expect(requestSignal?.aborted).toBe(true);
  });

  it("gives the handler's calls the invocation's end less a margin as their deadline", async () => {
    const handler = defineHandler({
      name: 'Deadline',
      input: z.unknown(),
      run: () => Promise.resolve(invocationDeadline()),
    });
    const before = Date.now();
    const deadline = await handler({}, shortContext(60_000));
    expect(deadline).toBeGreaterThanOrEqual(before + 60_000 - INVOCATION_MARGIN_MS);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 60_000 - INVOCATION_MARGIN_MS);
    // A short invocation keeps a tenth of its time.
    const short = await handler({}, shortContext(3_000));
    expect(short! - Date.now()).toBeLessThanOrEqual(2_700);
    expect(invocationDeadline()).toBeNull();
  });
});

describe('every handler in lambdas/', () => {
  const dir = new URL('../../../lambdas/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s is built on the one skeleton and reads config only through it', (file) => {
    const source = readFileSync(new URL(file, dir), 'utf8');
    expect(source).toMatch(/defineHandler\(/);
    expect(source).not.toMatch(/withObservability|readConfig|lazyConfig|process\.env/);
    // `import { z }` pulls every zod locale into the bundle; the namespace import tree-shakes.
    expect(source).not.toMatch(/import \{ z \} from 'zod'/);
  });
});
