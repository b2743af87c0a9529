/**
 * Events reach consumers the way AWS delivers them: a rule on the pipeline's bus with an SQS
 * target (what a consumer team sets up), in moto, which really delivers to SQS targets. A seed
 * drop's events are read back from the queue, each valid against its published JSON Schema,
 * with the stable id consumers deduplicate on.
 */
import { PutRuleCommand, PutTargetsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../src/events/catalog.ts';
import { awsClientConfig } from '../../src/local/moto.ts';
import { eventSchemaProblems } from '../support/event-schemas.ts';
import { exampleSeedCsv, startPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.ts';

let h: PipelineHarness;
beforeAll(async () => {
  h = await startPipelineHarness();
});
afterAll(async () => h?.stop());

/** One SQS JSON-protocol call to moto (the repository carries no SQS client; moto takes any signature). */
async function sqs<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(h.moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${h.moto.region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`SQS ${action}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Delivered {
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly detail: Record<string, unknown>;
}

describe('pipeline events delivered through EventBridge to an SQS target', () => {
  it('a seed drop sends Seed Accepted, Scenario Landed and Run Finished, each schema-valid, to the queue', async () => {
    const { QueueUrl } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: 'pipeline-events' });
    const { Attributes } = await sqs<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', {
      QueueUrl,
      AttributeNames: ['QueueArn'],
    });
    const events = new EventBridgeClient(awsClientConfig(h.moto));
    await events.send(
      new PutRuleCommand({
        Name: 'to-queue',
        EventBusName: h.names.bus,
        EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }),
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: 'to-queue',
        EventBusName: h.names.bus,
        Targets: [{ Id: 'queue', Arn: Attributes.QueueArn }],
      }),
    );

    const drop = await h.putSeed('delivered', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');

    const received: Delivered[] = [];
    for (let i = 0; i < 10 && !received.some((e) => e['detail-type'] === 'Run Finished'); i += 1) {
      const out = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      });
      for (const message of out.Messages ?? []) received.push(JSON.parse(message.Body) as Delivered);
    }
    const types = received.map((e) => e['detail-type']);
    expect(types).toEqual(expect.arrayContaining(['Seed Accepted', 'Scenario Landed', 'Run Finished']));
    for (const event of received) {
      expect(event.source).toBe(EVENT_SOURCE);
      expect(eventSchemaProblems(event), event['detail-type']).toEqual([]);
    }
    const finished = received.find((e) => e['detail-type'] === 'Run Finished');
    expect(finished?.detail).toMatchObject({ runId: execution!.name, status: 'SUCCEEDED' });
    // Every event carries its own stable id to deduplicate at-least-once deliveries on.
    const ids = received.map((e) => e.detail['eventId']);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
