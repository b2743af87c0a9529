/**
 * What the local runner hands the real handlers: the Lambda context (with the configured timeout
 * and memory size), the JSON round trip of a Lambda payload, S3's "Object Created" event and
 * Step Functions' "Execution Status Change" event for a failed execution.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { PipelineFunctionSpec } from '../../lib/pipeline-functions.ts';
import type { FunctionLimits } from './lambda-limits.ts';

export interface SeedDrop {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly etag?: string | null;
  readonly versionId?: string | null;
  /** Event time, ISO (default now). */
  readonly time?: string;
}

/** The Lambda context of one invocation. */
export function fakeContext(
  spec: PipelineFunctionSpec,
  limits: FunctionLimits,
  region: string,
  accountId: string,
): Context {
  const deadline = Date.now() + limits.timeoutSeconds * 1000;
  const functionName = `local-${spec.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(limits.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Lambda returns JSON: drop `undefined`, turn dates into strings, exactly as the runtime would. */
export function asLambdaJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** The EventBridge event S3 sends for a created object. */
export function objectCreatedEvent(
  drop: SeedDrop,
  region = 'us-east-1',
  accountId = '000000000000',
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: accountId,
    time: drop.time ?? new Date().toISOString(),
    region,
    resources: [`arn:aws:s3:::${drop.bucket}`],
    detail: {
      version: '0',
      bucket: { name: drop.bucket },
      object: {
        key: drop.key,
        size: drop.size,
        ...(drop.etag ? { etag: drop.etag.replace(/"/g, '') } : {}),
        ...(drop.versionId ? { 'version-id': drop.versionId } : {}),
        sequencer: Date.now().toString(16).toUpperCase(),
      },
      'request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
      requester: accountId,
      reason: 'PutObject',
    },
  };
}

/** The event Step Functions sends to EventBridge when an execution fails. */
export function executionStatusChangeEvent(input: {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly error: string | null;
  readonly cause: string | null;
  readonly region: string;
  readonly accountId: string;
}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: input.accountId,
    time: new Date().toISOString(),
    region: input.region,
    resources: [input.executionArn],
    detail: {
      executionArn: input.executionArn,
      stateMachineArn: input.stateMachineArn,
      name: input.name,
      status: 'FAILED',
      error: input.error,
      cause: input.cause,
    },
  };
}
