/**
 * Re-drives recorded but not started (QUEUED, no execution): what `local up`, the local stack's
 * stand-in for Step Functions, starts on behalf of `simulacra-pipeline redrive`.
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RunRecord } from '../state/records.ts';
import type { IngestExecutionInput } from './start-ingest.ts';

export async function queuedRedrives(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
): Promise<Array<{ name: string; input: IngestExecutionInput }>> {
  const queued: Array<{ name: string; input: IngestExecutionInput }> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'sk = :run AND #status = :queued AND attribute_exists(redriveOf)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':run': 'RUN', ':queued': 'QUEUED' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of (page.Items ?? []) as RunRecord[]) {
      if (item.feed && item.seed)
        queued.push({ name: item.runId, input: { feed: item.feed, seed: item.seed } });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return queued;
}
