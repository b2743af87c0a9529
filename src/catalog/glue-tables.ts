/**
 * The Glue calls of the catalog step, each with the error handling the registration relies on:
 * "not found" is null, "already exists" is false, a lost optimistic-concurrency race
 * (`ConcurrentModificationException`, or `VersionId` no longer current) is false, anything
 * else is a {@link CatalogRegistrationError}.
 */
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetPartitionCommand,
  GetTableCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type GlueClient,
  type PartitionInput,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';

/** A Glue call failed for a reason other than "already exists"/"not found"/a lost race. */
export class CatalogRegistrationError extends Error {
  override readonly name = 'CatalogRegistrationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface GlueTarget {
  readonly glue: GlueClient;
  readonly database: string;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

export async function getTable(target: GlueTarget, name: string): Promise<Table | null> {
  try {
    const out = await target.glue.send(new GetTableCommand({ DatabaseName: target.database, Name: name }));
    return out.Table ?? null;
  } catch (err) {
    if (errorName(err) === 'EntityNotFoundException') return null;
    throw new CatalogRegistrationError(`GetTable ${target.database}.${name} failed`, { cause: err });
  }
}

/** Creates the table; false when it already exists. */
export async function createTable(target: GlueTarget, input: TableInput): Promise<boolean> {
  try {
    await target.glue.send(new CreateTableCommand({ DatabaseName: target.database, TableInput: input }));
    return true;
  } catch (err) {
    if (errorName(err) === 'AlreadyExistsException') return false;
    throw new CatalogRegistrationError(`CreateTable ${target.database}.${input.Name ?? ''} failed`, {
      cause: err,
    });
  }
}

/** The table's editable fields (GetTable returns read-only ones UpdateTable refuses). */
export function toTableInput(table: Table): TableInput {
  return {
    Name: table.Name,
    Description: table.Description,
    Owner: table.Owner,
    Retention: table.Retention,
    StorageDescriptor: table.StorageDescriptor,
    PartitionKeys: table.PartitionKeys,
    TableType: table.TableType,
    Parameters: table.Parameters,
  };
}

/**
 * Updates `table` only if it is still the version that was read (`VersionId`): false when another
 * writer changed it in between, so the caller re-reads and decides again.
 */
export async function updateTableIfUnchanged(
  target: GlueTarget,
  table: Table,
  input: TableInput,
): Promise<boolean> {
  try {
    await target.glue.send(
      new UpdateTableCommand({
        DatabaseName: target.database,
        TableInput: input,
        ...(table.VersionId ? { VersionId: table.VersionId } : {}),
      }),
    );
    return true;
  } catch (err) {
    if (errorName(err) === 'ConcurrentModificationException') return false;
    throw new CatalogRegistrationError(`UpdateTable ${target.database}.${table.Name ?? ''} failed`, {
      cause: err,
    });
  }
}

/**
 * Creates the partition, or (when it exists: a retry of the same generation) makes its storage
 * descriptor the one given. True when newly created.
 */
export async function putPartition(
  target: GlueTarget,
  table: string,
  input: PartitionInput,
): Promise<boolean> {
  const values = input.Values ?? [];
  const where = `${target.database}.${table} ${values.join('/')}`;
  let out;
  try {
    out = await target.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: target.database,
        TableName: table,
        PartitionInputList: [input],
      }),
    );
  } catch (err) {
    throw new CatalogRegistrationError(`BatchCreatePartition ${where} failed`, { cause: err });
  }
  const failure = out.Errors?.[0]?.ErrorDetail;
  if (!failure) return true;
  if (failure.ErrorCode !== 'AlreadyExistsException') {
    throw new CatalogRegistrationError(
      `BatchCreatePartition ${where} failed: ${failure.ErrorCode ?? 'error'}: ${failure.ErrorMessage ?? ''}`,
    );
  }
  try {
    const existing = await target.glue.send(
      new GetPartitionCommand({ DatabaseName: target.database, TableName: table, PartitionValues: values }),
    );
    const sd = existing.Partition?.StorageDescriptor;
    const same =
      JSON.stringify(sd?.Columns ?? []) === JSON.stringify(input.StorageDescriptor?.Columns ?? []) &&
      sd?.Location === input.StorageDescriptor?.Location;
    if (!same) {
      await target.glue.send(
        new UpdatePartitionCommand({
          DatabaseName: target.database,
          TableName: table,
          PartitionValueList: values,
          PartitionInput: input,
        }),
      );
    }
  } catch (err) {
    throw new CatalogRegistrationError(`updating partition ${where} failed`, { cause: err });
  }
  return false;
}
