/**
 * Re-drives recorded but not started (QUEUED, no execution): what `local up`, the local stack's
 * stand-in for Step Functions, starts on behalf of `simulacra-pipeline redrive`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanAll } from '../state/dynamo-items.ts';
import type { RunRecord } from '../state/records.ts';
import type { IngestExecutionInput } from './start-ingest.ts';

export async function queuedRedrives(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
): Promise<Array<{ name: string; input: IngestExecutionInput }>> {
  const queued: Array<{ name: string; input: IngestExecutionInput }> = [];
  const items = await scanAll(dynamo, {
    TableName: tableName,
    FilterExpression: 'sk = :run AND #status = :queued AND attribute_exists(redriveOf)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':run': 'RUN', ':queued': 'QUEUED' },
  });
  for (const item of items as unknown as RunRecord[]) {
    if (item.feed && item.seed)
      queued.push({ name: item.runId, input: { feed: item.feed, seed: item.seed } });
  }
  return queued;
}
