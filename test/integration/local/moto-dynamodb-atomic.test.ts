/**
 * DynamoDB applies every single-item write atomically; moto's threaded server did not (two
 * UpdateItems racing on one item could lose one), which made the job history's atomic counter and
 * the pacing's conditional writes lose updates locally that AWS never loses. src/local/moto-server.py
 * serializes DynamoDB requests; this test races many counter increments and conditional puts.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../src/local/moto.ts';
import { useMotoStateTable } from '../../support/token-cache-moto.ts';

const TABLE = 'atomic-writes';
const local = useMotoStateTable(TABLE);

/** Writers with their own client each: fresh connections, so moto serves them on parallel threads. */
function freshClients(count: number): DynamoDBDocumentClient[] {
  return Array.from({ length: count }, () =>
    DynamoDBDocumentClient.from(new DynamoDBClient(awsClientConfig(local.moto))),
  );
}

describe('DynamoDB single-item writes on the local moto', () => {
  it('loses no increment of a counter that many writers ADD to at once', async () => {
    // A race: unserialized, most runs of these rounds lose an increment (not every run).
    const rounds = 15;
    const writers = 50;
    for (let round = 0; round < rounds; round++) {
      const Key = { pk: `counter-${round}`, sk: 'C' };
      await Promise.all(
        freshClients(writers).map((writer) =>
          writer.send(
            new UpdateCommand({
              TableName: TABLE,
              Key,
              UpdateExpression: 'ADD seq :one',
              ExpressionAttributeValues: { ':one': 1 },
            }),
          ),
        ),
      );
      const out = await local.dynamo.send(new GetCommand({ TableName: TABLE, Key }));
      expect(out.Item?.seq, `round ${round}`).toBe(writers);
    }
  });

  it('lets exactly one of many racing conditional puts create an item', async () => {
    for (let round = 0; round < 10; round++) {
      const results = await Promise.allSettled(
        freshClients(30).map((writer, i) =>
          writer.send(
            new PutCommand({
              TableName: TABLE,
              Item: { pk: `lease-${round}`, sk: 'L', holder: i },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won, `round ${round}`).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConditionalCheckFailedException);
      }
    }
  });
});
