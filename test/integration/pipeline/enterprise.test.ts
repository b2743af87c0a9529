import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleSeedCsv, usePipelineHarness } from '../../support/pipeline-harness.ts';

const h = usePipelineHarness({ mode: 'enterprise' });
const realFetch = globalThis.fetch;
/** What the in-test "network" does to vendor answers. */
let tamper: 'none' | 'artifact-bytes' | 'encryption-context' | 'plaintext' = 'none';

beforeAll(() => {
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const response = await realFetch(input, init);
    if (tamper === 'artifact-bytes' && url.startsWith(h.simulator.storageBase)) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
      return new Response(bytes, { status: response.status, headers: response.headers });
    }
    const generationRead = /\/v1\/generations\/[^/?]+$/.test(new URL(url).pathname);
    if ((tamper === 'encryption-context' || tamper === 'plaintext') && generationRead) {
      const body = (await response.json()) as {
        artifact_encryption?: { scheme?: string; encryption_context?: Record<string, string> };
      };
      const context = body.artifact_encryption?.encryption_context;
      if (context && tamper === 'encryption-context') context.tenant_id = 'ten_someone_else';
      if (tamper === 'plaintext') body.artifact_encryption = { scheme: 'managed' };
      const headers = new Headers(response.headers);
      headers.delete('content-length');
      return new Response(JSON.stringify(body), { status: response.status, headers });
    }
    return response;
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
});
beforeEach(() => {
  tamper = 'none';
});

async function pendingUploads(): Promise<number> {
  const out = await h.s3.send(new ListMultipartUploadsCommand({ Bucket: h.names.outputBucket }));
  return out.Uploads?.length ?? 0;
}

describe('enterprise mode (envelope-encrypted artifacts)', () => {
  it('decrypts and lands the artifact', async () => {
    const drop = await h.putSeed('ent', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status, execution?.cause ?? '').toBe('SUCCEEDED');
    expect(await h.feedKeys('ent')).toHaveLength(1);
  });

  it('publishes nothing from a tampered artifact and aborts the upload', async () => {
    tamper = 'artifact-bytes';
    const drop = await h.putSeed('tampered', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('ArtifactIntegrityError');
    expect(await h.feedKeys('tampered')).toEqual([]);
    expect(await pendingUploads()).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'FAILED', failure: { error: 'ArtifactIntegrityError' } });
    expect(run?.failure?.generation_id).toBeTruthy();
  });

  it('refuses an artifact whose encryption context does not match', async () => {
    tamper = 'encryption-context';
    const drop = await h.putSeed('wrongctx', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(await h.feedKeys('wrongctx')).toEqual([]);
    expect(await pendingUploads()).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run?.status).toBe('FAILED');
    expect(run?.failure?.generation_id).toBeTruthy();
    expect(run?.failure?.error).toBe('ArtifactIntegrityError');
  });

  it('names the configured tenant when the envelope is for another one, before any KMS call', async () => {
    tamper = 'encryption-context';
    const drop = await h.putSeed('othertenant', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    const run = await h.repo.getRun(execution!.name);
    expect(run?.failure?.detail).toMatch(/tenant_id \(ten_someone_else\) is not the expected tenant/);
    expect(await h.feedKeys('othertenant')).toEqual([]);
  });

  it('refuses a plaintext artifact in enterprise mode: the run records it and nothing lands', async () => {
    tamper = 'plaintext';
    h.simulator.resetCounters();
    const drop = await h.putSeed('plain', 'seed.csv', exampleSeedCsv());
    const { execution } = await h.runner.runSeedDrop(drop);
    expect(execution?.status).toBe('FAILED');
    expect(await h.feedKeys('plain')).toEqual([]);
    expect(await pendingUploads()).toBe(0);
    const run = await h.repo.getRun(execution!.name);
    expect(run).toMatchObject({ status: 'FAILED', failure: { error: 'ArtifactIntegrityError' } });
    expect(run?.failure?.detail).toMatch(/refusing to land plaintext/);
    // Nothing was downloaded: the refusal came before the artifact was fetched.
    expect(h.simulator.counters().calls['GET /objects/{tenant_id}/{file}'] ?? 0).toBe(0);
  });
});
