/**
 * Landing against the simulator with the real client: managed relay downloads (bearer, API
 * origin) and enterprise storage downloads (separate origin, KMS envelope in moto), every format,
 * and catalog registration of what landed.
 */
import { GetTableCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProvider, SimulacraClient } from '../../../src/client/index.ts';
import { registerCatalog } from '../../../src/catalog/register.ts';
import { landArtifact } from '../../../src/landing/land.ts';
import { awsClientConfig } from '../../../src/local/moto.ts';
import {
  readyDataset,
  readyGeneration,
  seedCsv,
  startSession,
  type Session,
} from '../../support/simulator-helpers.ts';
import { startLandingEnvironment, type LandingEnvironment } from '../../support/landing-harness.ts';
import { fakeApi } from '../../support/fake-vendor-api.ts';

let env: LandingEnvironment;
const sessions: Session[] = [];

beforeAll(async () => {
  env = await startLandingEnvironment();
});
afterAll(async () => {
  for (const s of sessions) await s.sim.close();
  await env?.stop();
});

function clientFor(s: Session): SimulacraClient {
  return new SimulacraClient({
    apiBase: s.sim.apiBase,
    tokenProvider: createTokenProvider({
      credentials: {
        client_id: s.sim.demoTenant.clientId,
        client_secret: s.sim.demoTenant.clientSecret,
        token_url: s.sim.tokenUrl,
        audience: s.sim.audience,
        api_base: s.sim.apiBase,
      },
    }),
  });
}

async function landFrom(
  s: Session,
  format: 'parquet' | 'csv' | 'arrow',
  feed: string,
  rows = 40,
  tenantId?: string,
) {
  const datasetId = await readyDataset(s, seedCsv());
  const conditions = { categorical: { segment: { Premium: 0.6, Value: 0.2, Mainstream: 0.2 } } };
  const gen = await readyGeneration(s, datasetId, {
    row_count: rows,
    output_format: format,
    seed: 3,
    conditions,
  });
  return landArtifact(env.deps(clientFor(s)), {
    runId: `run_${format}`,
    feed,
    scenario: { name: `premium-${format}`, row_count: rows, output_format: format, seed: 3 },
    datasetId,
    generationId: String(gen.generation_id),
    requestedConditions: conditions,
    tenantId,
  });
}

describe('landing simulator artifacts', () => {
  it.each(['parquet', 'csv', 'arrow'] as const)('lands a managed %s generation', async (format) => {
    const s = await startSession({ mode: 'managed' });
    sessions.push(s);
    const result = await landFrom(s, format, 'sim-managed');
    expect(result).toMatchObject({ format, rowsGenerated: 40, alreadyLanded: false });
    expect(result.columns.map((c) => c.name)).toContain('segment');
    expect(result.conforms).not.toBeNull();
    expect(await env.openUploads()).toBe(0);
    const { glue, s3 } = env.as('RegisterCatalog');
    const catalog = await registerCatalog(
      { glue, s3, bucket: env.bucket, database: env.glueDatabase },
      { manifestKey: result.manifestKey },
    );
    if (format === 'arrow') {
      expect(catalog.skippedReason).toMatch(/Arrow/);
    } else {
      const table = await env.glue.send(
        new GetTableCommand({ DatabaseName: env.glueDatabase, Name: catalog.table! }),
      );
      expect(table.Table?.StorageDescriptor?.Columns?.map((c) => c.Name)).toContain('segment');
    }
  });

  it('re-fetches the generation when the storage URL expired between GET and download (real client)', async () => {
    let clock = Date.now();
    // The customer's artifact key the stack is configured with (LandArtifact may use no other).
    const s = await startSession({
      mode: 'enterprise',
      enterprise: { kms: awsClientConfig(env.moto), keyId: env.artifactKeyArn },
      now: () => clock,
    });
    sessions.push(s);
    const datasetId = await readyDataset(s, seedCsv());
    const gen = await readyGeneration(s, datasetId, { row_count: 10, output_format: 'parquet', seed: 5 });
    const client = clientFor(s);
    let gets = 0;
    const api = fakeApi({
      getGeneration: async (id) => {
        const generation = await client.getGeneration(id);
        gets += 1;
        // the first URL expires before it is used: 16 minutes pass
        if (gets === 1) clock += 16 * 60_000;
        return generation;
      },
      downloadArtifact: (generation) => client.downloadArtifact(generation),
    });
    const result = await landArtifact(env.deps(api), {
      runId: 'run_expiry',
      feed: 'sim-expiry',
      scenario: { name: 'expiry', row_count: 10, output_format: 'parquet' },
      datasetId,
      generationId: String(gen.generation_id),
    });
    expect(gets).toBe(2);
    expect(api.downloadArtifact).toHaveBeenCalledTimes(2);
    expect(result.rowsGenerated).toBe(10);
  });

  it('lands an enterprise generation decrypted with the customer key', async () => {
    const s = await startSession({
      mode: 'enterprise',
      enterprise: { kms: awsClientConfig(env.moto), keyId: env.artifactKeyArn },
    });
    sessions.push(s);
    const result = await landFrom(
      s,
      'csv',
      'sim-enterprise',
      25,
      s.sim.operator.tenantOf(s.sim.demoTenant.clientId) ?? undefined,
    );
    expect(result.rowsGenerated).toBe(25);
    const body = (await env.read(result.outputKey)).toString('utf8');
    expect(body.split('\n')[0]).toBe('age,segment,channel,region,purchase.intent');
  });
});
