/**
 * What LandArtifact hands the state machine: the keys and numbers the catalog and record steps
 * read (never the artifact URL, the columns or the quality report: those are in the manifest), or
 * the wait its vendor requests have to take their turn in (src/pipeline/vendor-wait.ts).
 */
import type { LandArtifactResult } from './land-contract.ts';

/** The landing's state in a Map iteration (`$.landed`). */
export type LandedState = Pick<
  LandArtifactResult,
  | 'outputKey'
  | 'manifestKey'
  | 'format'
  | 'dt'
  | 'rowsGenerated'
  | 'rowsRequested'
  | 'partial'
  | 'bytes'
  | 'alreadyLanded'
  | 'landedByRunId'
>;

/** The fields of `result` the state keeps. */
export function landedState(result: LandArtifactResult): LandedState {
  return {
    outputKey: result.outputKey,
    manifestKey: result.manifestKey,
    format: result.format,
    dt: result.dt,
    rowsGenerated: result.rowsGenerated,
    rowsRequested: result.rowsRequested,
    partial: result.partial,
    bytes: result.bytes,
    alreadyLanded: result.alreadyLanded,
    landedByRunId: result.landedByRunId,
  };
}

/**
 * The vendor requests one landing sends: the generation, the artifact's download and, with a
 * content check, the dataset's schema. A run that finds its object already landed sends fewer.
 */
export function landingVendorRequests(contentCheck: boolean): number {
  return contentCheck ? 3 : 2;
}
