/**
 * What every store of the state table shares: telling a failed condition from other errors,
 * items without their keys, and reading every page of a Query or a Scan.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

/**
 * A number attribute of the item a refused conditional write returned
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), or undefined when no such number came back. The
 * document client does not unmarshall an error's item: `{ N: '…' }` (a plain number is taken too).
 */
export function lostItemNumber(err: unknown, attribute: string): number | undefined {
  const raw = (err as { Item?: Record<string, unknown> } | null)?.Item?.[attribute];
  const value = typeof raw === 'object' && raw !== null ? Number((raw as { N?: unknown }).N) : raw;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** True when a conditional write was refused (the item is not in the expected state). */
export function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err instanceof Error && err.name === 'ConditionalCheckFailedException')
  );
}

/** The item without its table keys (`pk`, `sk`), as the record it stores. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

/** {@link withoutKeys} of an item that may be absent. */
export function recordOf<T>(item: Record<string, unknown> | undefined): T | null {
  return item ? withoutKeys<T>(item) : null;
}

type Item = Record<string, unknown>;

/** Every item a Query matches, page after page. */
export async function queryAll(dynamo: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  return items;
}

/** Every item a Scan matches, page after page. */
export async function scanAll(dynamo: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let start: Item | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey as Item | undefined;
  } while (start);
  return items;
}
