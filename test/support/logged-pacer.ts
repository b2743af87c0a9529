/**
 * A {@link DynamoDbPacer} on a real (moto) table that records what it sends to DynamoDB (command
 * names) and what it sleeps: pacers may share one log, as containers of one deployment share a bucket.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoDbPacer,
  PACING_SORT_KEY,
  type DynamoDbPacerOptions,
  type VendorPacingError,
} from '../../src/client/index.ts';

/** What pacers sent to DynamoDB (command names) and slept. */
export interface PacerLog {
  readonly sent: string[];
  readonly slept: number[];
}
export const newLog = (): PacerLog => ({ sent: [], slept: [] });

/**
 * A pacer on `dynamo`'s `tableName` (1 request/s, burst 1 unless `options` says otherwise) that
 * records into `log`; `through` may change what a command answers (e.g. strip an error's item).
 */
export function loggedPacerOn(
  dynamo: () => DynamoDBDocumentClient,
  tableName: string,
  through: (answer: Promise<unknown>) => Promise<unknown> = (answer) => answer,
) {
  return (
    options: Partial<DynamoDbPacerOptions> & Pick<DynamoDbPacerOptions, 'clientId' | 'now'>,
    log: PacerLog = newLog(),
  ): DynamoDbPacer => {
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        log.sent.push(command.constructor.name);
        return through(dynamo().send(command as never));
      },
    } as unknown as DynamoDBDocumentClient;
    return new DynamoDbPacer({
      tableName,
      dynamo: counting,
      requestsPerSecond: 1,
      burst: 1,
      sleep: (ms) => {
        log.slept.push(ms);
        return Promise.resolve();
      },
      ...options,
    });
  };
}

/** The pacing item of `clientId` (its `tat` and `ttl`). */
export async function pacingItemOf(
  dynamo: DynamoDBDocumentClient,
  tableName: string,
  clientId: string,
): Promise<{ tat: number; ttl: number }> {
  const { Item } = await dynamo.send(
    new GetCommand({ TableName: tableName, Key: { pk: `PACING#${clientId}`, sk: PACING_SORT_KEY } }),
  );
  return Item as { tat: number; ttl: number };
}

/** The pacing refusal `promise` ends with, or null when it resolves. */
export const refusal = (promise: Promise<unknown>): Promise<VendorPacingError | null> =>
  promise.then(
    () => null,
    (e: unknown) => e as VendorPacingError,
  );
