/**
 * docs/permissions.md is what the local runs show: a managed run (with a rejected and a vanished
 * seed, a feed schedule the ingest enables and a scheduled generation) and an enterprise run followed by a credential rotation
 * (Secrets Manager invoking the rotation function per step), every AWS call judged against the
 * synthesized roles. Fails when the table drifts from the source, when IAM denied a call, or when
 * a granted action no run uses has no written reason. `npm run gen:permissions` rewrites the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pipelineFunctions, rotationFunction } from '../../../lib/pipeline-functions.ts';
import type { JudgedCall } from '../../../src/local/iam/judge.ts';
import { permissionsReport, renderPermissions } from '../../../src/local/iam/permissions-table.ts';
import type { FunctionRole } from '../../../src/local/iam/stack-policies.ts';
import { PREMIUM_SCENARIO } from '../../fixtures/scenarios.ts';
import type { PipelineHarness } from '../../support/pipeline-harness.ts';

const DOC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/permissions.md');

const calls: JudgedCall[] = [];
let roles: ReadonlyMap<string, FunctionRole> = new Map();
let open: PipelineHarness | null = null;

afterAll(async () => {
  await open?.stop();
});

/**
 * A stack in a fresh module graph: each stack is its own account whose functions start cold
 * (the handlers memoise clients and configuration per module instance).
 */
async function harness(
  mode: 'managed' | 'enterprise',
  feed: string,
  credentialsRotation = false,
): Promise<{ h: PipelineHarness; seedCsv: () => string }> {
  vi.resetModules();
  const { startPipelineHarness, exampleSeedCsv } = await import('../../support/pipeline-harness.ts');
  // The feed's schedule waits (disabled) for its first dataset; the ingest run enables it.
  const schedules = [{ feed, expression: 'rate(1 day)' }];
  open = await startPipelineHarness({ mode, credentialsRotation, schedules });
  return { h: open, seedCsv: () => exampleSeedCsv() };
}

describe('function permissions', () => {
  it('managed: a seed, a rejected seed, a vanished seed and a scheduled generation', async () => {
    const { h, seedCsv } = await harness('managed', 'retail');
    await h.putScenarios('retail', {
      scenarios: [PREMIUM_SCENARIO, { name: 'baseline', row_count: 100, output_format: 'csv' }],
    });
    const drop = await h.putSeed('retail', 'panel.csv', seedCsv());
    const ingest = await h.runner.runSeedDrop(drop);
    expect(ingest.execution?.status, ingest.execution?.cause ?? '').toBe('SUCCEEDED');
    expect((await h.runner.runSeedDrop(drop)).outcome.outcome).toBe('duplicate');

    const notes = await h.putSeed('retail', 'notes.txt', 'not a seed');
    expect((await h.runner.runSeedDrop(notes)).outcome).toMatchObject({ code: 'unsupported_type' });
    const vanished = { ...drop, key: 'seeds/retail/gone.csv', versionId: null, etag: null };
    expect((await h.runner.runSeedDrop(vanished)).outcome).toMatchObject({ code: 'object_missing' });

    const generate = await h.runner.execute('generate', { feed: 'retail' }, 'generate-retail-1');
    expect(generate.status, generate.cause ?? '').toBe('SUCCEEDED');
    calls.push(...h.environment.iam.calls());
    open = null;
    await h.stop();
  });

  it('enterprise, with credential rotation: the artifact key unwraps the data key; Secrets Manager rotates the credential', async () => {
    const { h, seedCsv } = await harness('enterprise', 'vault', true);
    await h.putScenarios('vault', { scenarios: [PREMIUM_SCENARIO] });
    // The enterprise roles with rotation are a superset of the managed ones (the artifact key
    // grant, the rotation function's role).
    roles = h.environment.iam.policies.roles;
    const drop = await h.runner.runSeedDrop(await h.putSeed('vault', 'seed.csv', seedCsv()));
    expect(drop.execution?.status, JSON.stringify(drop.outcome) + (drop.execution?.cause ?? '')).toBe(
      'SUCCEEDED',
    );
    const { rotateWithFunction, versionStages } = await import('../../support/credentials-harness.ts');
    const { clients, names } = h.environment;
    const token = await rotateWithFunction(clients.secretsManager, names.credentialsSecretArn, (event) =>
      h.runner.invokeFunction(rotationFunction, event),
    );
    expect((await versionStages(clients.secretsManager, names.credentialsSecretArn))[token]).toContain(
      'AWSCURRENT',
    );
    calls.push(...h.environment.iam.calls());
  });

  it('matches docs/permissions.md, with no denied call and a reason for every unused grant', () => {
    expect(calls.length).toBeGreaterThan(0);
    const report = permissionsReport([...pipelineFunctions, rotationFunction], roles, calls);
    const markdown = renderPermissions(report);
    if (process.env.SIMULACRA_WRITE_PERMISSIONS === '1') writeFileSync(DOC, markdown);
    expect(report.problems).toEqual([]);
    expect(readFileSync(DOC, 'utf8'), 'docs/permissions.md is stale: run npm run gen:permissions').toBe(
      markdown,
    );
  });
});
