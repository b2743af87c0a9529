import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  UpdateTableCommand,
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

  it('creates the feed table from the manifest schema and registers the partition', async () => {
    serve(manifest());
    glueMock.on(GetTableCommand).rejects(notFound());
    glueMock.on(CreateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result).toEqual({
      database: 'synthetic_db',
      table: 'retail_panel',
      partition: { scenario: 'baseline', dt: '2026-05-01' },
      tableCreated: true,
      partitionCreated: true,
      schemaChange: null,
      skippedReason: null,
    });
    const table = glueMock.commandCalls(CreateTableCommand)[0]!.args[0].input;
    expect(table.DatabaseName).toBe('synthetic_db');
    expect(table.TableInput).toMatchObject({
      Name: 'retail_panel',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [{ Name: 'scenario' }, { Name: 'dt' }],
      Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
      StorageDescriptor: {
        Location: 's3://lake/synthetic/feed=retail-panel/',
        Columns: [
          { Name: 'id', Type: 'int' },
          { Name: 'segment', Type: 'string' },
        ],
      },
    });
    const partition = glueMock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
    expect(partition.PartitionInputList?.[0]).toMatchObject({
      Values: ['baseline', '2026-05-01'],
      StorageDescriptor: {
        Location: 's3://lake/synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-01/',
      },
    });
  });

  it('appends new columns, keeps missing ones and widens numeric types on a schema change', async () => {
    serve(
      manifest({
        columns: [
          { name: 'id', type: 'double' },
          { name: 'fresh', type: 'boolean' },
        ],
      }),
    );
    glueMock.on(GetTableCommand).resolves({
      Table: {
        Name: 'retail_panel',
        DatabaseName: 'synthetic_db',
        CreateTime: new Date(),
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [
          { Name: 'scenario', Type: 'string' },
          { Name: 'dt', Type: 'string' },
        ],
        Parameters: { classification: 'parquet', 'simulacra.schema_version': '1' },
        StorageDescriptor: {
          Columns: [
            { Name: 'id', Type: 'int' },
            { Name: 'segment', Type: 'string' },
          ],
        },
      },
    });
    glueMock.on(UpdateTableCommand).resolves({});
    const result = await registerCatalog(deps, { manifestKey });
    expect(result.schemaChange).toEqual({
      added: [{ Name: 'fresh', Type: 'boolean' }],
      missing: ['segment'],
      typeChanged: [{ name: 'id', tableType: 'int', fileType: 'double' }],
    });
    const update = glueMock.commandCalls(UpdateTableCommand)[0]!.args[0].input.TableInput!;
    expect(update.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'double' },
      { Name: 'segment', Type: 'string' },
      { Name: 'fresh', Type: 'boolean' },
    ]);
    expect(update.Parameters?.['simulacra.schema_version']).toBe('2');
    expect(JSON.parse(update.Parameters!['simulacra.last_schema_change']!)).toMatchObject({
      generationId: 'gen_1',
      added: ['fresh'],
    });
    expect(update).not.toHaveProperty('CreateTime');
    // the partition keeps the file's own schema
    const partition = glueMock.commandCalls(BatchCreatePartitionCommand)[0]!.args[0].input;
    expect(partition.PartitionInputList?.[0]?.StorageDescriptor?.Columns).toEqual([
      { Name: 'id', Type: 'double' },
      { Name: 'fresh', Type: 'boolean' },
    ]);
  });

  it('treats an existing partition as success and adds new columns to it', async () => {
    serve(manifest());
    glueMock.on(GetTableCommand).resolves({
      Table: {
        Name: 'retail_panel',
        DatabaseName: 'synthetic_db',
        Parameters: { classification: 'parquet' },
        StorageDescriptor: {
          Columns: [
            { Name: 'id', Type: 'int' },
            { Name: 'segment', Type: 'string' },
          ],
        },
      },
    });
    glueMock.on(BatchCreatePartitionCommand).resolves({
      Errors: [
        { PartitionValues: ['baseline', '2026-05-01'], ErrorDetail: { ErrorCode: 'AlreadyExistsException' } },
      ],
    });
    glueMock.on(GetPartitionCommand).resolves({
      Partition: {
        Values: ['baseline', '2026-05-01'],
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
      { Name: 'segment', Type: 'string' },
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
