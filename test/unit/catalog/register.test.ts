import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type Table,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManifestNotFoundError, registerCatalog } from '../../../src/catalog/register.ts';
import type { LandingManifest } from '../../../src/landing/manifest.ts';
import { landingManifest as manifest } from './fixtures.ts';

const glueMock = mockClient(GlueClient);
const s3Mock = mockClient(S3Client);
const deps = {
  glue: new GlueClient({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  bucket: 'lake',
  database: 'synthetic_db',
  now: () => new Date('2026-05-02T00:00:00Z'),
};

const manifestKey = '_manifests/feed=retail-panel/scenario=baseline/dt=2026-05-01/gen_1.json';

function serve(m: LandingManifest): void {
  s3Mock
    .on(GetObjectCommand, { Bucket: 'lake', Key: manifestKey })
    .resolves({ Body: { transformToString: () => Promise.resolve(JSON.stringify(m)) } as never });
}

/** The feed table as GetTable returns it: `id int, segment string`, version 7. */
function existingTable(): Table {
  return {
    Name: 'retail_panel',
    DatabaseName: 'synthetic_db',
    CreateTime: new Date(),
    VersionId: '7',
    TableType: 'EXTERNAL_TABLE',
    PartitionKeys: [
      { Name: 'scenario', Type: 'string' },
      { Name: 'dt', Type: 'string' },
      { Name: 'generation', Type: 'string' },
    ],
    Parameters: { classification: 'parquet', 'simulacra.schema_version': '1' },
    StorageDescriptor: {
      Columns: [
        { Name: 'id', Type: 'int' },
        { Name: 'segment', Type: 'string', Comment: 'vendor column Segment' },
      ],
    },
  };
}

const notFound = () => Object.assign(new Error('nope'), { name: 'EntityNotFoundException' });

beforeEach(() => {
  glueMock.reset();
  s3Mock.reset();
  glueMock.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
});

describe('registerCatalog', () => {
  it('moves to the <feed>_<format> table when a parallel registration created the feed table with another format', async () => {
    serve(manifest({ format: 'csv', contentType: 'text/csv' }));
    const csvTable = { Name: 'retail_panel_csv' };
    glueMock
      .on(GetTableCommand, { Name: 'retail_panel' })
      .rejectsOnce(notFound())
      .resolves({ Table: { Name: 'retail_panel', Parameters: { classification: 'parquet' } } });
    glueMock.on(GetTableCommand, { Name: 'retail_panel_csv' }).rejects(notFound());
    glueMock.on(CreateTableCommand).callsFake((input: { TableInput?: { Name?: string } }) => {
      if (input.TableInput?.Name === 'retail_panel') {
        throw Object.assign(new Error('exists'), { name: 'AlreadyExistsException' });
      }
      return {};
    });
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toMatchObject({ table: csvTable.Name, tableCreated: true, schemaChange: null });
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('creates the feed table under Athena names and registers one partition per generation', async () => {
    serve(manifest());
    glueMock.on(GetTableCommand).rejects(notFound());
    glueMock.on(CreateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toEqual({
      database: 'synthetic_db',
      table: 'retail_panel',
      partition: { scenario: 'baseline', dt: '2026-05-01', generation: 'gen_1' },
      tableCreated: true,
      partitionCreated: true,
      schemaChange: null,
      supersededReason: null,
      skippedReason: null,
    });
    const table = glueMock.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(table.DatabaseName).toBe('synthetic_db');
    expect(table.TableInput).toMatchObject({
      Name: 'retail_panel',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [{ Name: 'scenario' }, { Name: 'dt' }, { Name: 'generation' }],
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'simulacra.epoch': '1' },
      StorageDescriptor: {
        Location: 's3://lake/synthetic/feed=retail-panel/',
        Columns: [
          { Name: 'id', Type: 'int' },
          { Name: 'segment', Type: 'string', Comment: 'vendor column Segment' },
        ],
        SerdeInfo: { Parameters: { 'parquet.column.index.access': 'true' } },
      },
    });
    const partition = glueMock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
    expect(partition.PartitionInputList?.[0]).toMatchObject({
      Values: ['baseline', '2026-05-01', 'gen_1'],
      StorageDescriptor: {
        Location: 's3://lake/synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-01/generation=gen_1/',
      },
    });
  });

  it('appends columns added at the end and widens numeric types, with the VersionId it read', async () => {
    serve(
      manifest({
        columns: [
          { name: 'id', type: 'double' },
          { name: 'segment', type: 'string' },
          { name: 'fresh', type: 'boolean' },
        ],
      }),
    );
    glueMock.on(GetTableCommand).resolves({ Table: existingTable() });
    glueMock.on(UpdateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result.schemaChange).toEqual({
      added: [{ Name: 'fresh', Type: 'boolean' }],
      missing: [],
      typeChanged: [{ name: 'id', tableType: 'int', fileType: 'double' }],
    });
    const call = glueMock.commandCalls(UpdateTableCommand)[0]!.args[0].input;
    expect(call.VersionId).toBe('7');
    const update = call.TableInput!;
    expect(update.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'double' },
      { Name: 'segment', Type: 'string', Comment: 'vendor column Segment' },
      { Name: 'fresh', Type: 'boolean' },
    ]);
    expect(update.Parameters?.['simulacra.schema_version']).toBe('2');
    expect(JSON.parse(update.Parameters!['simulacra.last_schema_change']!)).toMatchObject({
      generationId: 'gen_1',
      added: ['fresh'],
    });
    expect(update).not.toHaveProperty('CreateTime');
    expect(update).not.toHaveProperty('VersionId');
  });

  it('re-reads and retries when another writer updated the table first (ConcurrentModificationException)', async () => {
    serve(manifest({ columns: [...manifest().columns, { name: 'fresh', type: 'boolean' }] }));
    glueMock
      .on(GetTableCommand)
      .resolvesOnce({ Table: existingTable() })
      .resolves({ Table: { ...existingTable(), VersionId: '8' } });
    glueMock
      .on(UpdateTableCommand)
      .rejectsOnce(Object.assign(new Error('version moved'), { name: 'ConcurrentModificationException' }))
      .resolves({});
    const sleeps: number[] = [];
    const result = await registerCatalog(
      { ...deps, sleep: (ms) => Promise.resolve(void sleeps.push(ms)) },
      { manifestKey },
    );
    expect(result.table).toBe('retail_panel');
    expect(glueMock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input.VersionId)).toEqual([
      '7',
      '8',
    ]);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up with a clear error when the table keeps changing', async () => {
    serve(manifest({ columns: [...manifest().columns, { name: 'fresh', type: 'boolean' }] }));
    glueMock.on(GetTableCommand).resolves({ Table: existingTable() });
    glueMock
      .on(UpdateTableCommand)
      .rejects(Object.assign(new Error('moved'), { name: 'ConcurrentModificationException' }));
    await expect(
      registerCatalog({ ...deps, sleep: () => Promise.resolve() }, { manifestKey }),
    ).rejects.toThrow(/kept changing under 8 registration attempts/);
  });

  it('starts the next table when a column was dropped in the middle (CSV and index-access Parquet read by position)', async () => {
    serve(
      manifest({
        columns: [
          { name: 'id', type: 'int' },
          { name: 'fresh', type: 'boolean' },
        ],
      }),
    );
    let superseded = false;
    glueMock.on(GetTableCommand, { Name: 'retail_panel' }).callsFake(() => ({
      Table: superseded
        ? {
            ...existingTable(),
            Parameters: { ...existingTable().Parameters, 'simulacra.superseded_by': 'retail_panel_v2' },
          }
        : existingTable(),
    }));
    glueMock.on(GetTableCommand, { Name: 'retail_panel_v2' }).rejects(notFound());
    glueMock.on(UpdateTableCommand).callsFake(() => {
      superseded = true;
      return {};
    });
    glueMock.on(CreateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toMatchObject({
      table: 'retail_panel_v2',
      tableCreated: true,
      supersededReason: expect.stringMatching(/column 2 is fresh in the new file but segment in the table/),
    });
    const mark = glueMock.commandCalls(UpdateTableCommand)[0]!.args[0].input;
    expect(mark.VersionId).toBe('7');
    expect(mark.TableInput?.Parameters?.['simulacra.superseded_by']).toBe('retail_panel_v2');
    expect(mark.TableInput?.StorageDescriptor?.Columns).toEqual(existingTable().StorageDescriptor?.Columns);
    const created = glueMock.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput!;
    expect(created.Parameters).toMatchObject({
      'simulacra.epoch': '2',
      'simulacra.root_table': 'retail_panel',
    });
    expect(created.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'int' },
      { Name: 'fresh', Type: 'boolean' },
    ]);
  });

  it('treats an existing partition (a retry of the same generation) as success and corrects its definition', async () => {
    serve(manifest());
    glueMock.on(GetTableCommand).resolves({ Table: existingTable() });
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        {
          PartitionValues: ['baseline', '2026-05-01', 'gen_1'],
          ErrorDetail: { ErrorCode: 'AlreadyExistsException' },
        },
      ],
    });
    glueMock.on(GetPartitionCommand).resolves({
      Partition: {
        Values: ['baseline', '2026-05-01', 'gen_1'],
        StorageDescriptor: { Columns: [{ Name: 'id', Type: 'int' }] },
      },
    });
    glueMock.on(UpdatePartitionCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toMatchObject({ tableCreated: false, partitionCreated: false, schemaChange: null });
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    const update = glueMock.commandCalls(UpdatePartitionCommand)[0]!.args[0].input;
    expect(update.PartitionInput?.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'int' },
      { Name: 'segment', Type: 'string', Comment: 'vendor column Segment' },
    ]);
  });

  it('registers a second format of the same feed in a sibling table', async () => {
    serve(manifest({ format: 'csv', columns: [{ name: 'id', type: 'bigint', hasNulls: false }] }));
    glueMock.on(GetTableCommand, { Name: 'retail_panel' }).resolves({
      Table: {
        Name: 'retail_panel',
        DatabaseName: 'synthetic_db',
        Parameters: { classification: 'parquet' },
      },
    });
    glueMock.on(GetTableCommand, { Name: 'retail_panel_csv' }).rejects(notFound());
    glueMock.on(CreateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result.table).toBe('retail_panel_csv');
    expect(glueMock.commandCalls(CreateTableCommand)[0]!.args[0].input.TableInput?.Parameters).toMatchObject({
      classification: 'csv',
      'skip.header.line.count': '1',
    });
  });

  it('skips Arrow with a recorded reason', async () => {
    serve(manifest({ format: 'arrow' }));
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toMatchObject({ table: null, skippedReason: expect.stringMatching(/Arrow IPC/) });
    expect(glueMock.calls()).toHaveLength(0);
  });

  it('fails clearly when the manifest does not exist', async () => {
    s3Mock.on(GetObjectCommand).rejects(Object.assign(new Error('x'), { name: 'NoSuchKey' }));
    await expect(registerCatalog(deps, { manifestKey })).rejects.toBeInstanceOf(ManifestNotFoundError);
  });
});
