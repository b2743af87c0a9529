/** Environment and Lambda context for handler unit tests (imported before the handlers). */
import type { Context } from 'aws-lambda';

Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  STATE_TABLE_NAME: 'state-table',
  SEED_BUCKET_NAME: 'acme-seeds',
  EVENT_BUS_NAME: 'pipeline-bus',
  FEED_SCHEDULES: '{}',
  INGEST_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:simulacra-ingest',
  SIMULACRA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:simulacra',
  TOKEN_CACHE_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/token',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
});

export const context = {
  functionName: 'test',
  awsRequestId: 'req-test',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export async function fixture(name: string): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(
    await readFile(new URL(`../fixtures/events/${name}`, import.meta.url), 'utf8'),
  ) as unknown;
}
