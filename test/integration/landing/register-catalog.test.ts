import { CreateDatabaseCommand, GetPartitionsCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalog } from '../../../src/catalog/register.ts';
import { landArtifact, type LandArtifactInput } from '../../../src/landing/land.ts';
import { generation, parquetBytes } from '../../unit/landing/fixtures.ts';
import { httpVendorApi, startLandingEnvironment, type LandingEnvironment } from './harness.ts';
import { parquetWriteBuffer } from 'hyparquet-writer';

let env: LandingEnvironment;
const database = 'synthetic_lake';

beforeAll(async () => {
  env = await startLandingEnvironment('catalog-lake');
  await env.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: database } }));
});
afterAll(async () => {
  await env?.stop();
});

async function land(generationId: string, scenario: string, createdAt: string, bytes: Buffer, rows: number) {
  const url = env.server.register(bytes);
  const input: LandArtifactInput = {
    runId: `run_${generationId}`,
    feed: 'retail-panel',
    scenario: { name: scenario, row_count: rows, output_format: 'parquet' },
    datasetId: 'ds_cat',
    generationId,
  };
  const api = httpVendorApi(() =>
    generation({
      generation_id: generationId,
      dataset_id: 'ds_cat',
      output_format: 'parquet',
      rows_requested: rows,
      rows_generated: rows,
      created_at: createdAt,
      artifact_url: url,
    }),
  );
  return landArtifact(env.deps(api), input);
}

const catalog = () => ({ glue: env.glue, s3: env.s3, bucket: env.bucket, database });

describe('registerCatalog against moto Glue', () => {
  it('creates the feed table and partition from the landed file, then handles a schema change', async () => {
    const first = await land('gen_cat1', 'baseline', '2026-05-01T10:00:00Z', parquetBytes(10), 10);
    const registered = await registerCatalog(catalog(), { manifestKey: first.manifestKey });
    expect(registered).toMatchObject({ table: 'retail_panel', tableCreated: true, partitionCreated: true });

    const table = (await env.glue.send(new GetTableCommand({ DatabaseName: database, Name: 'retail_panel' })))
      .Table!;
    expect(table.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'int'],
      ['segment', 'string'],
      ['spend', 'double'],
    ]);
    expect(table.PartitionKeys?.map((k) => k.Name)).toEqual(['scenario', 'dt']);
    expect(table.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toContain('ParquetHiveSerDe');

    // retry: nothing new, no error
    const again = await registerCatalog(catalog(), { manifestKey: first.manifestKey });
    expect(again).toMatchObject({ tableCreated: false, partitionCreated: false, schemaChange: null });

    // a later seed: `spend` gone, `id` now double, `channel` new
    const evolved = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: [1.5, 2.5], type: 'DOUBLE' },
          { name: 'segment', data: ['a', 'b'], type: 'STRING' },
          { name: 'channel', data: ['web', 'store'], type: 'STRING' },
        ],
      }),
    );
    const second = await land('gen_cat2', 'baseline', '2026-05-02T10:00:00Z', evolved, 2);
    const changed = await registerCatalog(catalog(), { manifestKey: second.manifestKey });
    expect(changed.schemaChange).toEqual({
      added: [{ Name: 'channel', Type: 'string' }],
      missing: ['spend'],
      typeChanged: [{ name: 'id', tableType: 'int', fileType: 'double' }],
    });
    const after = (await env.glue.send(new GetTableCommand({ DatabaseName: database, Name: 'retail_panel' })))
      .Table!;
    expect(after.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'double'],
      ['segment', 'string'],
      ['spend', 'double'],
      ['channel', 'string'],
    ]);
    expect(after.Parameters?.['simulacra.schema_version']).toBe('2');

    const partitions = (
      await env.glue.send(new GetPartitionsCommand({ DatabaseName: database, TableName: 'retail_panel' }))
    ).Partitions!;
    const byDay = Object.fromEntries(
      partitions.map((p) => [p.Values![1], p.StorageDescriptor?.Columns?.map((c) => c.Name)]),
    );
    // older partitions keep the schema they were written with
    expect(byDay).toEqual({
      '2026-05-01': ['id', 'segment', 'spend'],
      '2026-05-02': ['id', 'segment', 'channel'],
    });
    expect(partitions.find((p) => p.Values![1] === '2026-05-02')?.StorageDescriptor?.Location).toBe(
      `s3://${env.bucket}/synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-02/`,
    );
  });
});
