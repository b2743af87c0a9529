/**
 * A Query on the table's key on the local moto reads only its partition (src/local/moto-server.py:
 * plain moto sorted and compared every item of the table, so a thousand runs' items stalled every
 * DynamoDB call behind one Query). The answers must stay DynamoDB's: only the partition's items,
 * the sort key's order either way, its conditions, Limit with LastEvaluatedKey, and none for a
 * partition that does not exist.
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { useMotoStateTable } from '../../support/token-cache-moto.ts';

const TABLE = 'query-partitions';
const local = useMotoStateTable(TABLE);

async function put(pk: string, sk: string): Promise<void> {
  await local.dynamo.send(new PutCommand({ TableName: TABLE, Item: { pk, sk, value: `${pk}/${sk}` } }));
}

const query = (pk: string, extra: Record<string, unknown> = {}) =>
  local.dynamo.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': 'SCENARIO#' },
      ...extra,
    }),
  );

describe('Query on the local moto', () => {
  it("answers from the partition's items only, in sort-key order, with Limit and paging", async () => {
    // Other partitions around it, some with the same sort keys.
    for (const pk of ['RUN#a', 'RUN#c', 'FEED#x']) {
      for (const sk of ['SCENARIO#1', 'SCENARIO#2', 'RUN']) await put(pk, sk);
    }
    for (const sk of ['SCENARIO#3', 'RUN', 'SCENARIO#1', 'SCENARIO#2', 'EVENTS']) await put('RUN#b', sk);

    const all = await query('RUN#b');
    expect(all.Items?.map((i) => String(i['value']))).toEqual([
      'RUN#b/SCENARIO#1',
      'RUN#b/SCENARIO#2',
      'RUN#b/SCENARIO#3',
    ]);
    const newestFirst = await query('RUN#b', { ScanIndexForward: false });
    expect(newestFirst.Items?.map((i) => String(i['sk']))).toEqual([
      'SCENARIO#3',
      'SCENARIO#2',
      'SCENARIO#1',
    ]);

    const first = await query('RUN#b', { Limit: 2 });
    expect(first.Items?.map((i) => String(i['sk']))).toEqual(['SCENARIO#1', 'SCENARIO#2']);
    expect(first.LastEvaluatedKey).toEqual({ pk: 'RUN#b', sk: 'SCENARIO#2' });
    const rest = await query('RUN#b', { Limit: 2, ExclusiveStartKey: first.LastEvaluatedKey });
    expect(rest.Items?.map((i) => String(i['sk']))).toEqual(['SCENARIO#3']);

    expect((await query('RUN#none')).Items).toEqual([]);
    const exact = await local.dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'FEED#x' },
      }),
    );
    expect(exact.Items?.map((i) => String(i['sk']))).toEqual(['RUN', 'SCENARIO#1', 'SCENARIO#2']);
  });
});
