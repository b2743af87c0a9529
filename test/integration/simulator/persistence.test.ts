import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  mint,
  pollJob,
  readyDataset,
  readyGeneration,
  startSession,
} from '../../support/simulator-helpers.ts';

describe('simulator persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-persist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads tenants, datasets, generations, artifacts, idempotency records and signing keys', async () => {
    const first = await startSession({ persistDir: dir });
    const datasetId = await readyDataset(first, undefined, 'persist-key');
    const generation = await readyGeneration(first, datasetId, {
      row_count: 15,
      output_format: 'csv',
      seed: 8,
    });
    const artifact = await (await first.api(String(generation.artifact_url))).text();
    const token = await first.token();
    const demo = first.sim.demoTenant;
    // A job still running at shutdown is restarted on reload.
    const pending = await first.api(`/v1/datasets/${datasetId}/generations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ row_count: 3, output_format: 'csv' }),
    });
    const pendingJob = String(((await pending.json()) as { job_id: string }).job_id);
    await first.sim.close();

    const second = await startSession({ persistDir: dir });
    try {
      expect(second.sim.demoTenant).toEqual(demo);
      await expect(mint(second.sim, demo.clientId, demo.clientSecret)).resolves.toMatch(/^eyJ/);
      const old = await fetch(`${second.sim.apiBase}/v1/datasets/${datasetId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      // The signing key is persisted, so tokens minted before the restart still work.
      expect(old.status).toBe(200);
      expect((await second.api(`/v1/datasets/${datasetId}`)).status).toBe(200);
      const again = await second.api(`/v1/generations/${String(generation.generation_id)}`);
      const fresh = (await again.json()) as { artifact_url: string };
      expect(await (await second.api(fresh.artifact_url)).text()).toBe(artifact);
      const replay = await readyDataset(second, undefined, 'persist-key');
      expect(replay).toBe(datasetId);
      expect(second.sim.counters().idempotentReplays).toBe(1);
      expect(await pollJob(second, pendingJob)).toMatchObject({ status: 'completed' });
    } finally {
      await second.sim.close();
    }
  });
});
