/**
 * Records and judges every AWS SDK call a handler makes in a local run. The handlers' clients
 * (lambdas/commons/clients/) get one SDK middleware; it looks up which function the call
 * runs in (set per invocation by the local runner) and asks that stack's {@link IamJudge}
 * before the call, and again after it for the KMS use the service made for the caller.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { onAwsClient, type HookableClient } from '../../../lambdas/commons/clients/lazy.ts';
import { runInContainer } from '../../../lambdas/commons/container.ts';
import { iamRequestsFor, servicePrefixes, type IamRequest, type SdkCall } from './aws-requests.ts';
import type { IamJudge } from './judge.ts';

interface Invocation {
  readonly functionId: string;
  readonly judge: IamJudge;
}

const invocation = new AsyncLocalStorage<Invocation>();

interface MiddlewareContext {
  readonly clientName?: string;
  readonly commandName?: string;
}

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;

async function judgeAll(
  current: Invocation,
  operation: string,
  requests: readonly IamRequest[],
): Promise<void> {
  for (const request of requests) await current.judge.authorize(current.functionId, operation, request);
}

const missingObjectErrors = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);

/**
 * S3 tells a caller that an object is missing (404) only when it may list the bucket; otherwise
 * the answer is 403 AccessDenied. Judging `s3:ListBucket` here makes a local run refuse the same.
 * AWS documents this for GetObject and HeadObject of a key that does not exist ("If the object
 * you request doesn't exist, the error that Amazon S3 returns depends on whether you also have
 * the s3:ListBucket permission": https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * and API_HeadObject.html, Permissions). For a `versionId` that does not exist (`NoSuchVersion`,
 * 404 in the S3 error code list) AWS documents no such distinction either way; we assume the same
 * rule (the stricter reading: a function without `s3:ListBucket` sees a 403), see docs/permissions.md.
 */
async function judgeMissingObject(current: Invocation, call: SdkCall, err: unknown): Promise<void> {
  if (call.service !== 's3' || !['GetObject', 'HeadObject'].includes(call.operation)) return;
  if (!(err instanceof Error) || !missingObjectErrors.has(err.name)) return;
  const bucket = typeof call.input['Bucket'] === 'string' ? call.input['Bucket'] : '';
  await current.judge.authorize(current.functionId, `s3:${call.operation}`, {
    action: 's3:ListBucket',
    resource: `arn:aws:s3:::${bucket}`,
    context: { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' },
  });
}

function iamMiddleware(next: Handler, context: MiddlewareContext): Handler {
  return async (args) => {
    const current = invocation.getStore();
    if (!current) return next(args);
    const service = servicePrefixes[context.clientName ?? ''];
    if (!service) throw new Error(`IAM: no service prefix for SDK client ${String(context.clientName)}`);
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    const call: SdkCall = { service, operation, input: args.input, output: null };
    const label = `${service}:${operation}`;
    await judgeAll(
      current,
      label,
      iamRequestsFor(call, current.judge.policies).filter((request) => !request.via && !request.fromAnswer),
    );
    let result: Awaited<ReturnType<Handler>>;
    try {
      result = await next(args);
    } catch (err) {
      await judgeMissingObject(current, call, err);
      throw err;
    }
    const implicit = iamRequestsFor({ ...call, output: result.output }, current.judge.policies);
    await judgeAll(
      current,
      label,
      implicit.filter((request) => request.via || request.fromAnswer),
    );
    return result;
  };
}

const addIamMiddleware = (client: HookableClient): void => {
  (client.middlewareStack.add as (mw: unknown, options: unknown) => void)(iamMiddleware, {
    step: 'serialize',
    priority: 'high',
    name: 'simulacraLocalIamJudge',
    override: true,
  });
};

/**
 * Runs `work` as an invocation of `functionId`: in its own container (per-function memoised
 * state, and `tmpDir` as its `/tmp` when given) and, with a judge, with every AWS call judged
 * against that function's role.
 */
export function invokeAs<T>(
  functionId: string,
  judge: IamJudge | null,
  work: () => Promise<T>,
  tmpDir?: string,
): Promise<T> {
  onAwsClient(addIamMiddleware);
  return runInContainer(
    functionId,
    () => (judge ? invocation.run({ functionId, judge }, work) : work()),
    tmpDir === undefined ? {} : { tmpDir },
  );
}

/** Judges a call made without the SDK (the runner's in-process StartExecution). */
export async function judgeDirectCall(operation: string, requests: readonly IamRequest[]): Promise<void> {
  const current = invocation.getStore();
  if (current) await judgeAll(current, operation, requests);
}

/** An SDK client (any v3 client sends commands and has a middleware stack). */
type SdkClient = HookableClient & { send: (...args: never[]) => Promise<unknown> };

/**
 * Makes `client` call AWS as the function `functionId` does in a local run: each call is judged
 * against that function's role (and the resource policies that apply), as the runner judges the
 * handlers' own clients. For code under test that takes its clients as arguments.
 */
export function actAs<C extends SdkClient>(client: C, functionId: string, judge: IamJudge): C {
  addIamMiddleware(client);
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = (...args: unknown[]) =>
    invocation.run({ functionId, judge }, () => send(...args));
  return client;
}
