/**
 * The vocabulary of the fault matrix's cases (test/e2e/fault-matrix.test.ts): what a case is, the
 * vendor routes of a run, fresh seeds per row, and the ways a case injects its fault.
 */
import { expect } from 'vitest';
import type { FaultMatrixRow } from '../../../bench/fault-matrix.ts';
import type { FaultWorld } from './fault-world.ts';
import type { CaseRuns, MeasuredRow } from './fault-row.ts';
import { exampleSeedCsv } from './local-pipeline.ts';

/** The simulator's default tenant limits (docs/simulator.md), restored after the limit rows. */
export const DEFAULT_ROW_QUOTA = 100_000_000;
export const DEFAULT_PER_REQUEST_CAP = 1_000_000;

/** The vendor routes of one run, for faults that hit each of them once. */
export const RUN_ROUTES = [
  'POST /v1/datasets',
  'GET /v1/jobs/*',
  'POST /v1/datasets/*/generations',
  'GET /v1/generations/*',
];

/** One fault class: how to inject it, and what the pipeline must make of it. */
export interface FaultCase {
  readonly fault: string;
  readonly expected: Pick<FaultMatrixRow, 'outcome' | 'dataLanded'>;
  /** Scenarios of the case's feed (default: one small CSV scenario); a string is written verbatim. */
  readonly scenarios?: readonly ({ readonly name: string } & Record<string, unknown>)[] | string;
  run(world: FaultWorld, feed: string): Promise<CaseRuns>;
  check?(measured: MeasuredRow, world: FaultWorld): void | Promise<void>;
}

let seedRows = 120;
/** Seed bytes no other row uses: the vendor counts training twice on the same bytes as duplicate work. */
export function uniqueSeed(): string {
  seedRows += 1;
  return exampleSeedCsv(seedRows);
}

export function feedOf(fault: string): string {
  return `fm-${fault.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 40).replace(/-+$/, '');
}

/** Drops a fresh seed for `feed` through the pipeline's own runner. */
export async function dropSeed(
  world: FaultWorld,
  feed: string,
  body: string | Uint8Array = uniqueSeed(),
): Promise<CaseRuns> {
  const run = await world.p.dropSeed(await world.p.putSeed(feed, 'seed.csv', body));
  return { runs: [run] };
}

/** Drops a fresh seed with `faults` injected into the simulator. */
export function withFaults(faults: string): FaultCase['run'] {
  return (world, feed) => {
    world.p.simulator.setFaults(faults);
    return dropSeed(world, feed);
  };
}

/** With each vendor route of a run answering `status` once. */
export function statusOnEachRoute(status: number): FaultCase {
  return {
    fault: `HTTP ${status} once on each vendor route`,
    expected: { outcome: 'landed', dataLanded: 'yes' },
    run: withFaults(RUN_ROUTES.map((route) => `${route}:${status}x1@retry=0`).join(';')),
    check({ counters }) {
      expect(counters.faults[`status:${status}`]).toBe(RUN_ROUTES.length);
      expect(counters.trainings).toBe(1);
      expect(counters.generationsExecuted).toBe(1);
    },
  };
}

/** Runs `work` with the demo tenant's limits changed, then restores the defaults. */
export async function withTenantLimits<T>(
  world: FaultWorld,
  limits: { rowQuota?: number; perRequestCap?: number },
  work: () => Promise<T>,
): Promise<T> {
  world.p.simulator.operator.setTenantLimits(world.tenantId, limits);
  try {
    return await work();
  } finally {
    world.p.simulator.operator.setTenantLimits(world.tenantId, {
      rowQuota: DEFAULT_ROW_QUOTA,
      perRequestCap: DEFAULT_PER_REQUEST_CAP,
    });
  }
}
