import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetPartitionsCommand, GetTableCommand, UpdateTableCommand } from '@aws-sdk/client-glue';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalog } from '../../../src/catalog/register.ts';
import { landArtifact, type LandArtifactInput } from '../../../src/landing/land.ts';
import { readManifest } from '../../../src/landing/manifest.ts';
import { queryLake } from '../../../src/local/lake-query.ts';
import { generation } from '../../unit/landing/fixtures.ts';
import {
  httpVendorApi,
  startLandingEnvironment,
  type LandingEnvironment,
} from '../../support/landing-harness.ts';

let env: LandingEnvironment;
/** The stack's Glue database: the one RegisterCatalog's role may write. */
let database: string;

beforeAll(async () => {
  env = await startLandingEnvironment();
  database = env.glueDatabase;
});
afterAll(async () => {
  await env?.stop();
});

type Data = Array<{ name: string; data: unknown[]; type: 'INT32' | 'DOUBLE' | 'STRING' }>;

async function land(generationId: string, createdAt: string, columnData: Data) {
  const bytes = Buffer.from(parquetWriteBuffer({ columnData }));
  const rows = columnData[0]!.data.length;
  const url = env.server.register(bytes);
  const input: LandArtifactInput = {
    runId: `run_${generationId}`,
    feed: 'retail-panel',
    scenario: { name: 'baseline', row_count: rows, output_format: 'parquet' },
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

/** RegisterCatalog's dependencies, its calls made (and judged) as RegisterCatalog. */
const catalog = () => {
  const { glue, s3 } = env.as('RegisterCatalog');
  return { glue, s3, bucket: env.bucket, database };
};
const getTable = async (name: string) =>
  (await env.glue.send(new GetTableCommand({ DatabaseName: database, Name: name }))).Table!;

/** Queries the feed through its Glue tables, from a local copy of the bucket's data. */
async function query(sql: string) {
  const root = mkdtempSync(join(tmpdir(), 'catalog-lake-'));
  try {
    for (const key of await env.listKeys('synthetic/')) {
      mkdirSync(dirname(join(root, key)), { recursive: true });
      writeFileSync(join(root, key), await env.read(key));
    }
    return await queryLake({ glue: env.glue, database, bucket: env.bucket, root, feed: 'retail-panel' }, sql);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const ids = [1, 2, 3];
const V1: Data = [
  { name: 'id', data: ids, type: 'INT32' },
  { name: 'Segment', data: ['a', 'b', 'a'], type: 'STRING' },
  { name: 'Body.Mass..g.', data: [3750, 3800, 3250], type: 'DOUBLE' },
];

describe('registerCatalog against moto Glue, read back through the catalog', () => {
  it('maps vendor names to Athena names, evolves by position, and every value reads back', async () => {
    const first = await land('gen_cat1', '2026-05-01T10:00:00Z', V1);
    const manifest = await readManifest(env.s3, env.bucket, first.manifestKey);
    expect(manifest?.columns.map((c) => [c.name, c.athenaName])).toEqual([
      ['id', 'id'],
      ['Segment', 'segment'],
      ['Body.Mass..g.', 'body_mass_g'],
    ]);
    const registered = await registerCatalog(catalog(), { manifestKey: first.manifestKey });
    expect(registered).toMatchObject({ table: 'retail_panel', tableCreated: true, partitionCreated: true });
    const again = await registerCatalog(catalog(), { manifestKey: first.manifestKey });
    expect(again).toMatchObject({ tableCreated: false, partitionCreated: false, schemaChange: null });

    // A later seed: `id` widened, `Channel` appended at the end: same table.
    const second = await land('gen_cat2', '2026-05-02T10:00:00Z', [
      { name: 'id', data: [1.5, 2.5], type: 'DOUBLE' },
      { name: 'Segment', data: ['a', 'b'], type: 'STRING' },
      { name: 'Body.Mass..g.', data: [4000, 4100], type: 'DOUBLE' },
      { name: 'Channel', data: ['web', 'store'], type: 'STRING' },
    ]);
    const changed = await registerCatalog(catalog(), { manifestKey: second.manifestKey });
    expect(changed).toMatchObject({ table: 'retail_panel', supersededReason: null });
    expect(changed.schemaChange).toMatchObject({ added: [{ Name: 'channel' }], missing: [] });
    const table = await getTable('retail_panel');
    expect(table.StorageDescriptor?.Columns?.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'double'],
      ['segment', 'string'],
      ['body_mass_g', 'double'],
      ['channel', 'string'],
    ]);
    expect(table.PartitionKeys?.map((k) => k.Name)).toEqual(['scenario', 'dt', 'generation']);
    expect(table.StorageDescriptor?.SerdeInfo?.Parameters?.['parquet.column.index.access']).toBe('true');

    // A seed that drops a column in the middle cannot be read by position through this table.
    const third = await land('gen_cat3', '2026-05-03T10:00:00Z', [
      { name: 'id', data: [7], type: 'INT32' },
      { name: 'Channel', data: ['web'], type: 'STRING' },
    ]);
    const moved = await registerCatalog(catalog(), { manifestKey: third.manifestKey });
    expect(moved).toMatchObject({ table: 'retail_panel_v2', tableCreated: true });
    expect((await getTable('retail_panel')).Parameters?.['simulacra.superseded_by']).toBe('retail_panel_v2');

    const partitions = (
      await env.glue.send(new GetPartitionsCommand({ DatabaseName: database, TableName: 'retail_panel' }))
    ).Partitions!;
    expect(partitions.map((p) => p.Values).sort()).toEqual([
      ['baseline', '2026-05-01', 'gen_cat1'],
      ['baseline', '2026-05-02', 'gen_cat2'],
    ]);
    expect(partitions.find((p) => p.Values![2] === 'gen_cat2')?.StorageDescriptor?.Location).toBe(
      `s3://${env.bucket}/synthetic/feed=retail-panel/scenario=baseline/dt=2026-05-02/generation=gen_cat2/`,
    );

    expect(
      await query(
        'SELECT generation, id, segment, body_mass_g, channel FROM retail_panel ORDER BY generation, id',
      ),
    ).toEqual([
      { generation: 'gen_cat1', id: 1, segment: 'a', body_mass_g: 3750, channel: null },
      { generation: 'gen_cat1', id: 2, segment: 'b', body_mass_g: 3800, channel: null },
      { generation: 'gen_cat1', id: 3, segment: 'a', body_mass_g: 3250, channel: null },
      { generation: 'gen_cat2', id: 1.5, segment: 'a', body_mass_g: 4000, channel: 'web' },
      { generation: 'gen_cat2', id: 2.5, segment: 'b', body_mass_g: 4100, channel: 'store' },
    ]);
    expect(await query('SELECT id, channel FROM retail_panel_v2')).toEqual([{ id: 7, channel: 'web' }]);
  });

  it('the local Glue refuses an UpdateTable with a stale VersionId, as AWS does', async () => {
    const table = await getTable('retail_panel');
    const input = {
      Name: table.Name,
      StorageDescriptor: table.StorageDescriptor,
      Parameters: table.Parameters,
    };
    await env.glue.send(
      new UpdateTableCommand({ DatabaseName: database, TableInput: input, VersionId: table.VersionId }),
    );
    await expect(
      env.glue.send(
        new UpdateTableCommand({ DatabaseName: database, TableInput: input, VersionId: table.VersionId }),
      ),
    ).rejects.toMatchObject({ name: 'ConcurrentModificationException' });
  });

  it('parallel registrations that each change the table all land, none lost (optimistic concurrency)', async () => {
    const widths = [4, 5, 6, 7];
    const cols = (n: number): Data =>
      Array.from({ length: n }, (_, i) => ({ name: `c.${i}`, data: [i], type: 'INT32' as const }));
    const landed = await Promise.all(widths.map((n) => land(`gen_par${n}`, '2026-06-01T10:00:00Z', cols(n))));
    // A narrower file first starts the feed's next table; the others then extend it in parallel.
    await registerCatalog(catalog(), {
      manifestKey: (await land('gen_par3', '2026-06-01T10:00:00Z', cols(3))).manifestKey,
    });
    const results = await Promise.all(
      landed.map((l) => registerCatalog(catalog(), { manifestKey: l.manifestKey })),
    );
    const name = results[0]!.table!;
    expect(new Set(results.map((r) => r.table))).toEqual(new Set([name]));
    const columns = (await getTable(name)).StorageDescriptor?.Columns?.map((c) => c.Name);
    expect(columns).toEqual(['c_0', 'c_1', 'c_2', 'c_3', 'c_4', 'c_5', 'c_6']);
    const rows = await query(`SELECT generation, c_6 FROM ${name} ORDER BY generation`);
    expect(rows.map((r) => r.generation)).toEqual([
      'gen_par3',
      'gen_par4',
      'gen_par5',
      'gen_par6',
      'gen_par7',
    ]);
    expect(rows.find((r) => r.generation === 'gen_par7')?.c_6).toBe(6);
  });
});
