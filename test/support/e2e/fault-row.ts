/**
 * One fault-matrix row: runs a case's pipeline work on a clean vendor (no faults, zeroed
 * counters), then judges the outcome from the real local resources: the run record, the objects
 * in the output bucket, unfinished multipart uploads, the simulator's duplicate-work counter, and
 * a secret scan over every log line, execution history, event and record the case produced.
 */
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { FaultMatrixRow } from '../../../bench/fault-matrix.ts';
import type { SimulatorCounters } from '../../../simulator/index.ts';
import { scanForSecrets, scannedJson, type SecretFinding } from '../secret-scan.ts';
import type { RunRecord } from '../../../src/state/records.ts';
import type { FaultWorld } from './fault-world.ts';
import type { ObservedRun } from './local-pipeline.ts';
import { capturedTexts, landedForFeed } from './run-checks.ts';

/** What a case's work hands back: every run it observed, the one that decides the row last. */
export interface CaseRuns {
  readonly runs: readonly ObservedRun[];
}

/** A measured row and the evidence behind it, for the case's own assertions. */
export interface MeasuredRow {
  readonly row: FaultMatrixRow;
  /** The run that decides the row (the last one the case observed). */
  readonly primary: ObservedRun;
  readonly record: RunRecord | null;
  readonly counters: SimulatorCounters;
  readonly landed: { readonly data: readonly string[]; readonly manifests: readonly string[] };
  readonly pendingUploads: number;
  readonly findings: readonly SecretFinding[];
}

async function pendingUploads(world: FaultWorld, feed: string): Promise<number> {
  const out = await world.p.env.clients.s3.send(
    new ListMultipartUploadsCommand({
      Bucket: world.p.env.names.outputBucket,
      Prefix: `synthetic/feed=${feed}/`,
    }),
  );
  return out.Uploads?.length ?? 0;
}

/**
 * `landed` for a succeeded run; `failed cleanly: <code>` for a failed one that recorded its
 * vendor code (or error), announced the failure, landed nothing and left no upload behind;
 * anything else says what was wrong.
 */
function outcomeOf(
  primary: ObservedRun,
  record: RunRecord | null,
  landedData: number,
  uploads: number,
): string {
  const status = primary.execution?.status ?? primary.outcome?.outcome ?? 'no run';
  if (status === 'SUCCEEDED' && record?.status === 'SUCCEEDED') return 'landed';
  if (status !== 'FAILED' || record?.status !== 'FAILED' || !record.failure) {
    return `unexpected: execution ${status}, record ${record?.status ?? 'missing'}`;
  }
  const reason = record.failure.code ?? record.failure.error;
  const unclean = [
    ...(record.eventsPublishedAt ? [] : ['failure not announced']),
    ...(landedData > 0 ? [`${landedData} objects landed`] : []),
    ...(uploads > 0 ? [`${uploads} uploads left open`] : []),
  ];
  return unclean.length === 0 ? `failed cleanly: ${reason}` : `failed: ${reason} (${unclean.join(', ')})`;
}

function dataLandedOf(record: RunRecord | null, landedData: number): FaultMatrixRow['dataLanded'] {
  const outputs = record?.status === 'SUCCEEDED' ? (record.outputs ?? []) : [];
  if (outputs.some((o) => o.partial)) return 'partial';
  if (outputs.length > 0) return 'yes';
  return landedData > 0 ? 'partial' : 'no';
}

/**
 * Runs `work` (which injects the fault and drives the pipeline for `feed`) on a clean vendor and
 * measures the row.
 */
export async function measureFaultRow(
  world: FaultWorld,
  fault: string,
  feed: string,
  work: () => Promise<CaseRuns>,
): Promise<MeasuredRow> {
  const { p } = world;
  p.resetVendor();
  world.network.reset();
  let runs: readonly ObservedRun[];
  let counters: SimulatorCounters;
  try {
    ({ runs } = await work());
    counters = p.simulator.counters();
  } finally {
    // Later rows start clean (replacing the faults also forgets how often they fired).
    p.simulator.setFaults(undefined);
    world.network.tamper = 'none';
  }
  const primary = runs.at(-1);
  if (!primary) throw new Error(`fault "${fault}": the case observed no run`);
  const record = primary.runId ? await p.repo.getRun(primary.runId) : null;
  const landed = await landedForFeed(p, feed);
  const uploads = await pendingUploads(world, feed);
  const texts = runs.flatMap((run) => capturedTexts(run));
  for (const run of runs) {
    if (run.runId) texts.push(scannedJson(`record:${run.runId}`, await p.repo.getRun(run.runId)));
  }
  const findings = scanForSecrets(texts, p.simulator.sensitiveValues());
  const landedData = record?.status === 'SUCCEEDED' ? 0 : landed.data.length;
  return {
    row: {
      fault,
      outcome: outcomeOf(primary, record, landedData, uploads),
      dataLanded: dataLandedOf(record, landedData),
      duplicateVendorWork: counters.duplicateWork,
      secretsFound: findings.length,
    },
    primary,
    record,
    counters,
    landed,
    pendingUploads: uploads,
    findings,
  };
}
