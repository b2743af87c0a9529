/**
 * Registers a landed generation in the Glue Data Catalog so Athena can query it as soon as it
 * lands, without a crawler:
 *
 * - one table per feed (`tableNameFor(feed)`), columns from the landed file's own schema (the
 *   manifest), partitioned by `scenario` and `dt`;
 * - the partition is registered explicitly (BatchCreatePartition; an existing one is updated) with
 *   its own storage descriptor and column list, so older partitions keep the schema they were
 *   written with;
 * - schema evolution: new columns are appended to the table, columns a newer file lacks are kept,
 *   and a type change widens the table type when one numeric type contains the other (otherwise
 *   the table keeps its type); every change is returned and stamped in the table parameters.
 *
 * Partition projection is deliberately off: Athena ignores registered partition schemas when
 * projection is on, and CSV partitions are read by position, so they need their own schema.
 */
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetPartitionCommand,
  GetTableCommand,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type Column,
  type GlueClient,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { readManifest, type LandingManifest } from '../landing/manifest.ts';
import {
  diffColumns,
  glueColumns,
  PARTITION_KEYS,
  storageDescriptor,
  tableNameFor,
  tableParameters,
  unionColumns,
  unqueryableReason,
  widerType,
  type SchemaChange,
} from './table-spec.ts';

/** The manifest to register does not exist (the landing step did not finish). */
export class ManifestNotFoundError extends Error {
  override readonly name = 'ManifestNotFoundError';
  readonly key: string;
  constructor(key: string) {
    super(`no landing manifest at ${key}; the landing step must finish before the catalog step`);
    this.key = key;
  }
}

/** A Glue call failed for a reason other than "already exists"/"not found". */
export class CatalogRegistrationError extends Error {
  override readonly name = 'CatalogRegistrationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface RegisterCatalogDeps {
  readonly glue: GlueClient;
  readonly s3: S3Client;
  /** Bucket holding the data and manifests. */
  readonly bucket: string;
  readonly database: string;
  readonly now?: (() => Date) | undefined;
}

export interface RegisterCatalogResult {
  readonly database: string;
  /** Table name, or null when the format is not queryable. */
  readonly table: string | null;
  readonly partition: { readonly scenario: string; readonly dt: string } | null;
  readonly tableCreated: boolean;
  /** Partition newly created (false: it already existed and was checked/updated). */
  readonly partitionCreated: boolean;
  /** Column differences against the table as it was; null when none (or the table is new). */
  readonly schemaChange: SchemaChange | null;
  /** Why nothing was registered, or null. */
  readonly skippedReason: string | null;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

async function getTable(deps: RegisterCatalogDeps, name: string): Promise<Table | null> {
  try {
    const out = await deps.glue.send(new GetTableCommand({ DatabaseName: deps.database, Name: name }));
    return out.Table ?? null;
  } catch (err) {
    if (errorName(err) === 'EntityNotFoundException') return null;
    throw new CatalogRegistrationError(`GetTable ${deps.database}.${name} failed`, { cause: err });
  }
}

/** The table's editable fields (GetTable returns read-only ones UpdateTable refuses). */
function toTableInput(table: Table): TableInput {
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

function feedLocation(bucket: string, feed: string): string {
  return `s3://${bucket}/synthetic/feed=${feed}/`;
}

function partitionLocation(bucket: string, m: LandingManifest): string {
  return `s3://${bucket}/synthetic/feed=${m.feed}/scenario=${m.scenarioName}/dt=${m.dt}/`;
}

/** Picks the feed's table: its own, or `<feed>_<format>` when the feed's table holds another format. */
async function resolveTable(
  deps: RegisterCatalogDeps,
  manifest: LandingManifest,
): Promise<{ name: string; existing: Table | null }> {
  const base = tableNameFor(manifest.feed);
  const existing = await getTable(deps, base);
  if (!existing || existing.Parameters?.classification === manifest.format) return { name: base, existing };
  const sibling = tableNameFor(manifest.feed, manifest.format);
  return { name: sibling, existing: await getTable(deps, sibling) };
}

async function createTable(
  deps: RegisterCatalogDeps,
  name: string,
  manifest: LandingManifest & { format: 'parquet' | 'csv' },
  columns: Column[],
): Promise<boolean> {
  try {
    await deps.glue.send(
      new CreateTableCommand({
        DatabaseName: deps.database,
        TableInput: {
          Name: name,
          Description: `Synthetic data of feed ${manifest.feed} (Simulacra), one partition per scenario and day`,
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [...PARTITION_KEYS],
          StorageDescriptor: storageDescriptor(
            manifest.format,
            columns,
            feedLocation(deps.bucket, manifest.feed),
          ),
          Parameters: { ...tableParameters(manifest.format, manifest.feed), 'simulacra.schema_version': '1' },
        },
      }),
    );
    return true;
  } catch (err) {
    if (errorName(err) === 'AlreadyExistsException') return false;
    throw new CatalogRegistrationError(`CreateTable ${deps.database}.${name} failed`, { cause: err });
  }
}

/** Applies the evolution rule to an existing table; returns the change (null if none). */
async function evolveTable(
  deps: RegisterCatalogDeps,
  table: Table,
  columns: Column[],
  manifest: LandingManifest,
): Promise<SchemaChange | null> {
  const current = table.StorageDescriptor?.Columns ?? [];
  const change = diffColumns(current, columns);
  if (!change) return null;
  const widened = current.map((c) => {
    const changed = change.typeChanged.find((t) => t.name === c.Name);
    const wider = changed ? widerType(changed.tableType, changed.fileType) : null;
    return wider && wider !== c.Type ? { ...c, Type: wider } : c;
  });
  const next = unionColumns(widened, change.added);
  const tableColumnsChanged = JSON.stringify(next) !== JSON.stringify(current);
  const version = Number(table.Parameters?.['simulacra.schema_version'] ?? '1');
  const input = toTableInput(table);
  try {
    await deps.glue.send(
      new UpdateTableCommand({
        DatabaseName: deps.database,
        TableInput: {
          ...input,
          StorageDescriptor: { ...table.StorageDescriptor, Columns: next },
          Parameters: {
            ...table.Parameters,
            'simulacra.schema_version': String(tableColumnsChanged ? version + 1 : version),
            'simulacra.last_schema_change': JSON.stringify({
              generationId: manifest.generationId,
              scenario: manifest.scenarioName,
              dt: manifest.dt,
              at: (deps.now?.() ?? new Date()).toISOString(),
              added: change.added.map((c) => c.Name),
              missing: change.missing,
              typeChanged: change.typeChanged,
            }).slice(0, 2000),
          },
        },
      }),
    );
  } catch (err) {
    throw new CatalogRegistrationError(`UpdateTable ${deps.database}.${table.Name ?? ''} failed`, {
      cause: err,
    });
  }
  return change;
}

/** Creates the partition, or widens an existing one's columns; true when newly created. */
async function registerPartition(
  deps: RegisterCatalogDeps,
  table: string,
  manifest: LandingManifest & { format: 'parquet' | 'csv' },
  columns: Column[],
): Promise<boolean> {
  const values = [manifest.scenarioName, manifest.dt];
  const sd = storageDescriptor(manifest.format, columns, partitionLocation(deps.bucket, manifest));
  let out;
  try {
    out = await deps.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: deps.database,
        TableName: table,
        PartitionInputList: [{ Values: values, StorageDescriptor: sd }],
      }),
    );
  } catch (err) {
    throw new CatalogRegistrationError(`BatchCreatePartition ${table} ${values.join('/')} failed`, {
      cause: err,
    });
  }
  const failure = out.Errors?.[0]?.ErrorDetail;
  if (!failure) return true;
  if (failure.ErrorCode !== 'AlreadyExistsException') {
    throw new CatalogRegistrationError(
      `BatchCreatePartition ${table} ${values.join('/')} failed: ${failure.ErrorCode ?? 'error'}: ${failure.ErrorMessage ?? ''}`,
    );
  }
  // Another generation already registered this scenario/day: keep its columns, add ours.
  try {
    const existing = await deps.glue.send(
      new GetPartitionCommand({ DatabaseName: deps.database, TableName: table, PartitionValues: values }),
    );
    const current = existing.Partition?.StorageDescriptor?.Columns ?? [];
    const merged = unionColumns(current, columns);
    if (merged.length !== current.length) {
      await deps.glue.send(
        new UpdatePartitionCommand({
          DatabaseName: deps.database,
          TableName: table,
          PartitionValueList: values,
          PartitionInput: { Values: values, StorageDescriptor: { ...sd, Columns: merged } },
        }),
      );
    }
  } catch (err) {
    throw new CatalogRegistrationError(`updating partition ${table} ${values.join('/')} failed`, {
      cause: err,
    });
  }
  return false;
}

/** Registers the generation described by the manifest at `manifestKey`. Idempotent. */
export async function registerCatalog(
  deps: RegisterCatalogDeps,
  input: { manifestKey: string },
): Promise<RegisterCatalogResult> {
  const manifest = await readManifest(deps.s3, deps.bucket, input.manifestKey);
  if (!manifest) throw new ManifestNotFoundError(input.manifestKey);
  const reason = unqueryableReason(manifest.format);
  if (reason || manifest.format === 'arrow') {
    return {
      database: deps.database,
      table: null,
      partition: null,
      tableCreated: false,
      partitionCreated: false,
      schemaChange: null,
      skippedReason: reason,
    };
  }
  const queryable = manifest as LandingManifest & { format: 'parquet' | 'csv' };
  const columns = glueColumns(manifest.format, manifest.columns);
  let { name, existing } = await resolveTable(deps, manifest);
  let tableCreated = false;
  let schemaChange: SchemaChange | null = null;
  // Scenarios land in parallel: when another registration creates the table first, pick again,
  // as that table may hold another format (then this one belongs in `<feed>_<format>`).
  for (let attempt = 0; !existing && !tableCreated && attempt < 2; attempt++) {
    tableCreated = await createTable(deps, name, queryable, columns);
    if (!tableCreated) ({ name, existing } = await resolveTable(deps, manifest));
  }
  if (!existing && !tableCreated) existing = await getTable(deps, name);
  if (existing) schemaChange = await evolveTable(deps, existing, columns, manifest);
  const partitionCreated = await registerPartition(deps, name, queryable, columns);
  return {
    database: deps.database,
    table: name,
    partition: { scenario: manifest.scenarioName, dt: manifest.dt },
    tableCreated,
    partitionCreated,
    schemaChange,
    skippedReason: null,
  };
}
