/**
 * Registers a landed generation in the Glue Data Catalog so Athena can query it as soon as it
 * lands, without a crawler:
 *
 * - one table per feed (`tableNameFor(feed)`; `<feed>_<format>` for a second format), columns
 *   under their Athena names (the manifest's `athenaName`), partitioned by `scenario`, `dt` and
 *   `generation`: every landed file is a partition of its own, with its own column list;
 * - schema evolution by position (`planColumns`): columns appended at the end extend the table,
 *   numeric types widen; a file whose columns would land in the wrong positions (a column dropped
 *   or inserted in the middle, a reorder, an incompatible type) starts the next table of the feed
 *   (`<table>_v2`, ...), and the old table points to it (`simulacra.superseded_by`);
 * - table updates carry the `VersionId` that was read (optimistic concurrency): a registration
 *   that loses the race re-reads the table and decides again.
 *
 * Partition projection is deliberately off: Athena ignores registered partition schemas when
 * projection is on, and each partition's column list is what keeps older files readable.
 */
import type { Column, PartitionInput, Table } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { readManifest, type LandingManifest } from '../landing/manifest.ts';
import {
  CatalogRegistrationError,
  createTable,
  getTable,
  putPartition,
  toTableInput,
  updateTableIfUnchanged,
  type GlueTarget,
} from './glue-tables.ts';
import {
  glueColumns,
  PARTITION_KEYS,
  planColumns,
  storageDescriptor,
  tableNameFor,
  tableParameters,
  unqueryableReason,
  type SchemaChange,
} from './table-spec.ts';

export { CatalogRegistrationError } from './glue-tables.ts';

/** The manifest to register does not exist (the landing step did not finish). */
export class ManifestNotFoundError extends Error {
  override readonly name = 'ManifestNotFoundError';
  readonly key: string;
  constructor(key: string) {
    super(`no landing manifest at ${key}; the landing step must finish before the catalog step`);
    this.key = key;
  }
}

export interface RegisterCatalogDeps {
  readonly glue: GlueTarget['glue'];
  readonly s3: S3Client;
  /** Bucket holding the data and manifests. */
  readonly bucket: string;
  readonly database: string;
  readonly now?: (() => Date) | undefined;
  /** Waits between attempts after a lost update race (default: a short jittered sleep). */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface RegisteredPartition {
  readonly scenario: string;
  readonly dt: string;
  readonly generation: string;
}

export interface RegisterCatalogResult {
  readonly database: string;
  /** Table name, or null when the format is not queryable. */
  readonly table: string | null;
  readonly partition: RegisteredPartition | null;
  readonly tableCreated: boolean;
  /** Partition newly created (false: it already existed and was checked/updated). */
  readonly partitionCreated: boolean;
  /** Column differences against the table as it was; null when none (or the table is new). */
  readonly schemaChange: SchemaChange | null;
  /** Why the feed's previous table could not take this file (a new table was started), or null. */
  readonly supersededReason: string | null;
  /** Why nothing was registered, or null. */
  readonly skippedReason: string | null;
}

/** Reads, decisions and writes of the table before giving up on a contended table. */
export const MAX_TABLE_ATTEMPTS = 8;

const EPOCH = 'simulacra.epoch';
const ROOT = 'simulacra.root_table';
const SUPERSEDED_BY = 'simulacra.superseded_by';

type Queryable = LandingManifest & { format: 'parquet' | 'csv' };

function partitionLocation(bucket: string, m: LandingManifest): string {
  return `s3://${bucket}/${m.outputKey.slice(0, m.outputKey.lastIndexOf('/') + 1)}`;
}

function feedLocation(bucket: string, feed: string): string {
  return `s3://${bucket}/synthetic/feed=${feed}/`;
}

/** The feed's current table for the manifest's format: follows format siblings and successors. */
async function currentTable(
  target: GlueTarget,
  manifest: LandingManifest,
): Promise<{ name: string; table: Table | null; predecessor: Table | null }> {
  let name = tableNameFor(manifest.feed);
  let table = await getTable(target, name);
  if (table && table.Parameters?.classification !== manifest.format) {
    name = tableNameFor(manifest.feed, manifest.format);
    table = await getTable(target, name);
  }
  let predecessor: Table | null = null;
  for (let hops = 0; table?.Parameters?.[SUPERSEDED_BY]; hops++) {
    if (hops > 1000) throw new CatalogRegistrationError(`table ${name} has a cycle of successors`);
    predecessor = table;
    name = table.Parameters[SUPERSEDED_BY];
    table = await getTable(target, name);
  }
  return { name, table, predecessor };
}

function newTableInput(
  deps: RegisterCatalogDeps,
  name: string,
  manifest: Queryable,
  columns: Column[],
  lineage: { epoch: number; root: string },
): Parameters<typeof createTable>[1] {
  return {
    Name: name,
    Description: `Synthetic data of feed ${manifest.feed} (Simulacra), one partition per generation`,
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: [...PARTITION_KEYS],
    StorageDescriptor: storageDescriptor(manifest.format, columns, feedLocation(deps.bucket, manifest.feed)),
    Parameters: {
      ...tableParameters(manifest.format, manifest.feed),
      'simulacra.schema_version': '1',
      [EPOCH]: String(lineage.epoch),
      [ROOT]: lineage.root,
    },
  };
}

function lineageOf(table: Table): { epoch: number; root: string } {
  return {
    epoch: Number(table.Parameters?.[EPOCH] ?? '1'),
    root: table.Parameters?.[ROOT] ?? table.Name ?? '',
  };
}

/** The successor's name: `<root>_v<epoch+1>`. */
function successorName(table: Table): string {
  const { epoch, root } = lineageOf(table);
  return `${root.slice(0, 250)}_v${epoch + 1}`;
}

function changeStamp(deps: RegisterCatalogDeps, manifest: LandingManifest, change: SchemaChange): string {
  return JSON.stringify({
    generationId: manifest.generationId,
    scenario: manifest.scenarioName,
    dt: manifest.dt,
    at: (deps.now?.() ?? new Date()).toISOString(),
    added: change.added.map((c) => c.Name),
    missing: change.missing,
    typeChanged: change.typeChanged,
  }).slice(0, 2000);
}

interface TableOutcome {
  readonly name: string;
  readonly created: boolean;
  readonly change: SchemaChange | null;
  readonly supersededReason: string | null;
}

/** One read-decide-write round; null when a concurrent writer got in between (retry). */
async function settleTable(
  deps: RegisterCatalogDeps,
  manifest: Queryable,
  columns: Column[],
  superseded: string | null,
): Promise<TableOutcome | { readonly supersededReason: string } | null> {
  const { name, table, predecessor } = await currentTable(deps, manifest);
  if (!table) {
    const before = predecessor ? lineageOf(predecessor) : null;
    const lineage = before ? { epoch: before.epoch + 1, root: before.root } : { epoch: 1, root: name };
    const created = await createTable(deps, newTableInput(deps, name, manifest, columns, lineage));
    return created ? { name, created, change: null, supersededReason: superseded } : null;
  }
  const current = table.StorageDescriptor?.Columns ?? [];
  const plan = planColumns(manifest.format, current, columns);
  const input = toTableInput(table);
  if (!plan.fits) {
    const next = successorName(table);
    const marked = await updateTableIfUnchanged(deps, table, {
      ...input,
      Parameters: { ...table.Parameters, [SUPERSEDED_BY]: next, 'simulacra.superseded_reason': plan.reason },
    });
    return marked ? { supersededReason: plan.reason } : null;
  }
  if (!plan.change) return { name, created: false, change: null, supersededReason: superseded };
  const columnsChanged = JSON.stringify(plan.columns) !== JSON.stringify(current);
  const version = Number(table.Parameters?.['simulacra.schema_version'] ?? '1');
  const updated = await updateTableIfUnchanged(deps, table, {
    ...input,
    StorageDescriptor: { ...table.StorageDescriptor, Columns: plan.columns },
    Parameters: {
      ...table.Parameters,
      'simulacra.schema_version': String(columnsChanged ? version + 1 : version),
      'simulacra.last_schema_change': changeStamp(deps, manifest, plan.change),
    },
  });
  return updated ? { name, created: false, change: plan.change, supersededReason: superseded } : null;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles the table the manifest belongs in, retrying lost races. */
async function resolveTable(
  deps: RegisterCatalogDeps,
  manifest: Queryable,
  columns: Column[],
): Promise<TableOutcome> {
  let superseded: string | null = null;
  for (let attempt = 1; attempt <= MAX_TABLE_ATTEMPTS; attempt++) {
    const outcome = await settleTable(deps, manifest, columns, superseded);
    if (outcome && 'name' in outcome) return outcome;
    if (outcome) {
      superseded = outcome.supersededReason;
      continue;
    }
    await (deps.sleep ?? defaultSleep)(Math.round(20 * attempt * (0.5 + Math.random())));
  }
  throw new CatalogRegistrationError(
    `the table of feed ${manifest.feed} kept changing under ${MAX_TABLE_ATTEMPTS} registration attempts; retry the catalog step`,
  );
}

function skipped(deps: RegisterCatalogDeps, reason: string | null): RegisterCatalogResult {
  return {
    database: deps.database,
    table: null,
    partition: null,
    tableCreated: false,
    partitionCreated: false,
    schemaChange: null,
    supersededReason: null,
    skippedReason: reason,
  };
}

/** Registers the generation described by the manifest at `manifestKey`. Idempotent. */
export async function registerCatalog(
  deps: RegisterCatalogDeps,
  input: { manifestKey: string },
): Promise<RegisterCatalogResult> {
  const manifest = await readManifest(deps.s3, deps.bucket, input.manifestKey);
  if (!manifest) throw new ManifestNotFoundError(input.manifestKey);
  const reason = unqueryableReason(manifest.format);
  if (reason || manifest.format === 'arrow') return skipped(deps, reason);
  const queryable = manifest as Queryable;
  const columns = glueColumns(manifest.format, manifest.columns);
  const table = await resolveTable(deps, queryable, columns);
  const partition: RegisteredPartition = {
    scenario: manifest.scenarioName,
    dt: manifest.dt,
    generation: manifest.generationId,
  };
  const partitionInput: PartitionInput = {
    Values: [partition.scenario, partition.dt, partition.generation],
    StorageDescriptor: storageDescriptor(manifest.format, columns, partitionLocation(deps.bucket, manifest)),
  };
  const partitionCreated = await putPartition(deps, table.name, partitionInput);
  return {
    database: deps.database,
    table: table.name,
    partition,
    tableCreated: table.created,
    partitionCreated,
    schemaChange: table.change,
    supersededReason: table.supersededReason,
    skippedReason: null,
  };
}
