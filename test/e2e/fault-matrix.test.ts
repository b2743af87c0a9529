/**
 * The fault matrix (benchmark 6): one row per fault class, each injected into a whole pipeline
 * run on moto + the simulator with the real handlers and state machines. A row records the
 * outcome (`landed` or `failed cleanly: <vendor code or error>`), whether data landed, the vendor
 * work done twice (must be 0) and the secrets found in everything the row captured (must be 0).
 * Rows share one environment per delivery mode, each on its own feed and seed; afterwards the rows
 * are written to `bench/results/fault-matrix.json` for BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFaultMatrix, type FaultMatrixRow } from '../../bench/fault-matrix.ts';
import { CLIENT_TIMEOUT_MS, type FaultWorld } from '../support/e2e/fault-world.ts';
import { measureFaultRow, type MeasuredRow } from '../support/e2e/fault-row.ts';
import {
  dropSeed,
  feedOf,
  statusOnEachRoute,
  uniqueSeed,
  withFaults,
  withTenantLimits,
  type FaultCase,
} from '../support/e2e/fault-case-kit.ts';
import { expectFailedRun, expectSucceededRun } from '../support/e2e/run-checks.ts';
import { INFEASIBLE_SCENARIO } from '../fixtures/scenarios.ts';
import { measureTwoScenarioRow, twoScenarioCases } from '../support/e2e/two-scenario-rows.ts';

const MALFORMED_SEED = join(import.meta.dirname, '..', '..', 'examples', 'seeds', 'malformed.csv');
const SLOWER_THAN_TIMEOUT = `${CLIENT_TIMEOUT_MS + 1500}ms`;
const DAY_MS = 24 * 3_600_000;

const CREATE_DATASET = 'POST /v1/datasets';
const CREATE_GENERATION = 'POST /v1/datasets/{dataset_id}/generations';
const DOWNLOAD = 'GET /v1/generations/{generation_id}/download';
const BASELINE = { name: 'baseline', row_count: 40, output_format: 'csv' } as const;

const rows: FaultMatrixRow[] = [];
afterAll(() => {
  // A filtered run (`-t`) measures some rows only; the results file always holds the whole matrix.
  const total = managedCases.length + enterpriseCases.length + twoScenarioCases.length;
  if (rows.length === total) writeFaultMatrix(rows);
});

const managedCases: FaultCase[] = [
  {
    fault: 'none (control)',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: (world, feed) => dropSeed(world, feed),
  },
  {
    fault: '429 storm (half of all requests, Retry-After 0)',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults('*:429@p=0.5,retry=0'),
    check({ counters }) {
      expect(counters.faults['status:429']).toBeGreaterThanOrEqual(3);
    },
  },
  statusOnEachRoute(500),
  statusOnEachRoute(502),
  statusOnEachRoute(503),
  statusOnEachRoute(504),
  {
    fault: 'connection reset after the vendor answered',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults(
      'reset:POST /v1/datasets:1;reset:POST /v1/datasets/*/generations:1;reset:GET /v1/jobs/*:1',
    ),
    check({ counters }) {
      expect(counters.faults.reset).toBe(3);
      // The cut-off creations were done; their retries were answered from the stored response.
      expect(counters.idempotentReplays).toBeGreaterThanOrEqual(2);
      expect(counters.trainings).toBe(1);
      expect(counters.generationsExecuted).toBe(1);
    },
  },
  {
    fault: 'truncated body (job poll and artifact download)',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults('truncate:GET /v1/jobs/*:1;truncate:GET /v1/generations/*/download:1'),
    check({ counters, landed }) {
      expect(counters.faults.truncate).toBe(2);
      expect(counters.calls[DOWNLOAD]).toBeGreaterThanOrEqual(2);
      expect(landed.data).toHaveLength(1);
    },
  },
  {
    fault: 'slow responses past the client timeout',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults(
      `GET /v1/jobs/*:latency=${SLOWER_THAN_TIMEOUT}x1;POST /v1/datasets/*/generations:latency=${SLOWER_THAN_TIMEOUT}x1`,
    ),
    check({ counters }) {
      expect(counters.faults.latency).toBe(2);
      expect(counters.calls[CREATE_GENERATION]).toBeGreaterThanOrEqual(2);
      expect(counters.generationsExecuted).toBe(1);
    },
  },
  {
    fault: 'token expiry mid-run',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run(world, feed) {
      // The cached token dies with the clock jump (its first use is answered 401); every token
      // minted after it lives two seconds, and slowed job polls make the run outlive them.
      world.advanceVendorClock(DAY_MS + 3_600_000);
      world.p.simulator.setFaults('token:expire=2s;GET /v1/jobs/*:latency=800ms');
      return dropSeed(world, feed);
    },
    check({ counters }, world) {
      expect(world.network.errors.filter((e) => e.status === 401)).not.toHaveLength(0);
      expect(counters.tokenMints).toBeGreaterThanOrEqual(2);
    },
  },
  {
    fault: 'download URL expiry before the download',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults('download:expire=1s;GET /v1/generations/*/download:latency=1500msx1'),
    check({ counters }) {
      expect(counters.calls[DOWNLOAD]).toBeGreaterThanOrEqual(2);
    },
  },
  {
    fault: 'dataset expiry before a scheduled generation',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    async run(world, feed) {
      const { runs } = await dropSeed(world, feed);
      const datasetId = (await world.p.repo.getFeed(feed))?.datasetId;
      if (!datasetId) throw new Error(`the ingest of ${feed} recorded no dataset`);
      world.p.simulator.operator.expireDataset(datasetId);
      return { runs: [...runs, await world.p.generate(feed, `${feed}-scheduled`)] };
    },
    async check({ counters, record }, world) {
      // Trained for the ingest, and again from the seed once the vendor had dropped the dataset.
      expect(counters.trainings).toBe(2);
      expect(record?.kind).toBe('generate');
      expect((await world.p.repo.getFeed(record?.feed ?? ''))?.datasetId).toBe(record?.datasetId);
    },
  },
  {
    fault: 'training job failure',
    expected: { outcome: 'failed cleanly: simio_training_failed', dataLanded: 'no' },
    run: withFaults('job:fail=simio_training_failedx1@type=dataset'),
    check({ counters }) {
      expect(counters.calls[CREATE_GENERATION] ?? 0).toBe(0);
    },
  },
  {
    fault: 'partial generation (infeasible conditions)',
    expected: { outcome: 'landed', dataLanded: 'partial' },
    scenarios: [INFEASIBLE_SCENARIO],
    run: (world, feed) => dropSeed(world, feed),
    check({ record }) {
      expect(record?.outputs?.[0]?.rowsGenerated).toBeLessThan(200);
    },
  },
  {
    fault: 'row quota exhausted (402)',
    expected: { outcome: 'failed cleanly: simio_quota_exhausted', dataLanded: 'no' },
    run: (world, feed) => withTenantLimits(world, { rowQuota: 0 }, () => dropSeed(world, feed)),
    check({ counters }) {
      expect(counters.generationsExecuted).toBe(0);
    },
  },
  {
    fault: 'per-request cap exceeded (413)',
    expected: { outcome: 'failed cleanly: simio_per_request_cap_exceeded', dataLanded: 'no' },
    run: (world, feed) => withTenantLimits(world, { perRequestCap: 10 }, () => dropSeed(world, feed)),
    check({ counters }) {
      expect(counters.generationsExecuted).toBe(0);
    },
  },
  {
    fault: 'idempotency 409 while the first request is in flight',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run(world, feed) {
      // The first generation request outlives the client's timeout inside the vendor; its retry
      // meets the key still in flight.
      world.holdNextGenerationRequest(CLIENT_TIMEOUT_MS + 1500);
      return dropSeed(world, feed);
    },
    check({ counters }, world) {
      expect(
        world.network.errors.filter((e) => e.status === 409 && e.code === 'simio_idempotency_conflict'),
      ).not.toHaveLength(0);
      expect(counters.generationsExecuted).toBe(1);
      expect(counters.idempotentReplays).toBeGreaterThanOrEqual(1);
    },
  },
  {
    fault: 'duplicate S3 events (two at once, one redelivered later)',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    async run(world, feed) {
      const drop = await world.p.putSeed(feed, 'seed.csv', uniqueSeed());
      const run = await world.observe(async () => {
        const concurrent = await Promise.all([
          world.p.runner.runSeedDrop(drop),
          world.p.runner.runSeedDrop(drop),
        ]);
        const redelivered = await world.p.runner.runSeedDrop(drop);
        // As on AWS: a concurrent duplicate may get the running execution back (same name and
        // input); the later redelivery gets ExecutionAlreadyExists. One execution either way.
        expect(redelivered.outcome.outcome).toBe('duplicate');
        const drops = [...concurrent, redelivered];
        const arns = drops.flatMap((d) => (d.outcome.outcome === 'started' ? [d.outcome.executionArn] : []));
        expect(new Set(arns).size).toBe(1);
        const started = drops.find((d) => d.outcome.outcome === 'started');
        return { outcome: started?.outcome ?? null, execution: started?.execution ?? null };
      });
      return { runs: [run] };
    },
    check({ counters }) {
      expect(counters.calls[CREATE_DATASET]).toBe(1);
      expect(counters.trainings).toBe(1);
      expect(counters.generationsExecuted).toBe(1);
    },
  },
  {
    fault: 'starter Lambda crashing mid-way, retried',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    async run(world, feed) {
      const runner = world.runnerWith({});
      const crash = world.crashStarterOnce(runner);
      const drop = await world.p.putSeed(feed, 'seed.csv', uniqueSeed());
      const run = await world.observe(async () => {
        // The first invocation started the execution, then died: S3 → EventBridge redelivers.
        await expect(runner.runSeedDrop(drop)).rejects.toThrow(/died in the middle/);
        const retry = await runner.runSeedDrop(drop);
        expect(retry.outcome.outcome).toBe('duplicate');
        const runId = 'runId' in retry.outcome ? retry.outcome.runId : '';
        return { outcome: retry.outcome, execution: await runner.startedExecution(runId) };
      });
      expect(crash.crashes()).toBe(1);
      return { runs: [run] };
    },
    check({ counters }) {
      expect(counters.calls[CREATE_DATASET]).toBe(1);
      expect(counters.trainings).toBe(1);
    },
  },
  {
    fault: 'copy (LandArtifact) Lambda crashing mid-way, retried',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    async run(world, feed) {
      const crash = world.landArtifactCrashingOnce(feed);
      const runner = world.runnerWith({ LandArtifact: crash.handler });
      const drop = await world.p.putSeed(feed, 'seed.csv', uniqueSeed());
      const run = await world.observe(() => runner.runSeedDrop(drop));
      expect(crash.crashes()).toBe(1);
      return { runs: [run] };
    },
    check({ primary, counters, landed }) {
      // Died after the data object was complete and before its manifest; the retry re-landed it.
      expect(primary.execution?.taskInvocations.LandArtifact).toBe(2);
      expect(landed.data).toHaveLength(1);
      expect(landed.manifests).toHaveLength(1);
      expect(counters.generationsExecuted).toBe(1);
    },
  },
  {
    fault: 'malformed seed',
    expected: { outcome: 'failed cleanly: simio_invalid_field', dataLanded: 'no' },
    run: (world, feed) => dropSeed(world, feed, readFileSync(MALFORMED_SEED)),
    check({ counters }) {
      expect(counters.trainings).toBe(0);
    },
  },
  {
    fault: 'malformed scenario file',
    expected: { outcome: 'failed cleanly: invalid_scenario_file', dataLanded: 'no' },
    scenarios: '{"scenarios": [{"name": "Bad Name", "row_count": -1}',
    run: (world, feed) => dropSeed(world, feed),
    check({ counters }) {
      // Refused before the seed was uploaded: no training bought.
      expect(counters.calls[CREATE_DATASET] ?? 0).toBe(0);
      expect(counters.trainings).toBe(0);
      expect(counters.calls[CREATE_GENERATION] ?? 0).toBe(0);
    },
  },
];

const enterpriseCases: FaultCase[] = [
  {
    fault: 'none (control, enterprise)',
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: (world, feed) => dropSeed(world, feed),
  },
  {
    fault: 'tampered ciphertext (enterprise)',
    expected: { outcome: 'failed cleanly: artifact_integrity', dataLanded: 'no' },
    run(world, feed) {
      world.network.tamper = 'artifact-bytes';
      return dropSeed(world, feed);
    },
    check({ record }) {
      expect(record?.failure?.detail).toMatch(/tag does not verify/);
    },
  },
  {
    fault: 'wrong encryption context (enterprise)',
    expected: { outcome: 'failed cleanly: artifact_integrity', dataLanded: 'no' },
    run(world, feed) {
      world.network.tamper = 'encryption-context';
      return dropSeed(world, feed);
    },
  },
];

/** The scenarios a case's run lands when it succeeds. */
function scenarioNames(c: FaultCase): string[] {
  return typeof c.scenarios === 'object' ? c.scenarios.map((s) => s.name) : [BASELINE.name];
}

/** The shared end-to-end checks of the deciding run: landed, cataloged and announced, or failed. */
async function expectRunChecks(world: FaultWorld, c: FaultCase, measured: MeasuredRow): Promise<void> {
  if (measured.row.outcome === 'landed') {
    await expectSucceededRun(world.p, measured.primary, scenarioNames(c));
  } else {
    await expectFailedRun(world.p, measured.primary, { code: measured.record?.failure?.code ?? null });
  }
}

function faultMatrix(mode: 'managed' | 'enterprise', cases: readonly FaultCase[]): void {
  describe(`fault matrix, ${mode} mode`, () => {
    let world: FaultWorld;
    beforeAll(async () => {
      // A fresh module graph per environment: the handlers memoise clients and configuration.
      vi.resetModules();
      const { startFaultWorld } = await import('../support/e2e/fault-world.ts');
      world = await startFaultWorld(mode);
    });
    afterAll(async () => world?.close());

    it.each(cases)('$fault', async (c) => {
      const feed = feedOf(c.fault);
      await world.p.putScenarios(
        feed,
        typeof c.scenarios === 'string' ? c.scenarios : { scenarios: c.scenarios ?? [BASELINE] },
      );
      const measured = await measureFaultRow(world, c.fault, feed, () => c.run(world, feed));
      rows.push(measured.row);
      expect(measured.primary.logs, 'no log lines captured: the secret scan would be vacuous').not.toBe('');
      expect(measured.findings).toEqual([]);
      expect(measured.row, JSON.stringify(measured.record?.failure ?? null)).toEqual({
        fault: c.fault,
        ...c.expected,
        duplicateVendorWork: 0,
        secretsFound: 0,
      });
      await expectRunChecks(world, c, measured);
      await c.check?.(measured, world);
    });

    const twoScenario = twoScenarioCases.filter((c) => c.mode === mode);
    it.each(twoScenario)('$fault', async (c) => {
      const row = await measureTwoScenarioRow(world, c, feedOf(c.fault));
      rows.push(row);
      expect(row).toMatchObject({ duplicateVendorWork: 0, secretsFound: 0, dataLanded: 'partial' });
    });
  });
}

faultMatrix('managed', managedCases);
faultMatrix('enterprise', enterpriseCases);
