/** The stages a local run reports as its state machine moves on (progress displays). */
import type { HistoryEvent } from './runner.ts';

/** Stages a local run goes through, in order (for progress displays). */
export type LocalRunStage =
  | 'environment'
  | 'upload'
  | 'vendor-upload'
  | 'training'
  | 'conditions'
  | 'generation'
  | 'landing'
  | 'catalog'
  | 'record'
  | 'collect'
  | 'query';

/** The stage each state of the ingest and generate machines belongs to. */
const STAGE_OF_STATE: Readonly<Record<string, LocalRunStage>> = {
  UploadSeed: 'vendor-upload',
  PrepareFeed: 'vendor-upload',
  WaitForTraining: 'training',
  PollTraining: 'training',
  ResolveScenarios: 'conditions',
  WaitForVendorToResolve: 'conditions',
  CreateGeneration: 'generation',
  WaitForGeneration: 'generation',
  PollGeneration: 'generation',
  LandArtifact: 'landing',
  WaitForVendorToLand: 'landing',
  RegisterCatalog: 'catalog',
  RecordSuccess: 'record',
  RecordFailure: 'record',
};
const PIPELINE_STAGES: readonly LocalRunStage[] = [
  'vendor-upload',
  'training',
  'conditions',
  'generation',
  'landing',
  'catalog',
  'record',
];

/**
 * A history-event listener that reports pipeline stages as states are entered. Scenarios run in
 * parallel, so a stage is reported only when it is later than the last one reported.
 */
export function pipelineStageReporter(stage: (stage: LocalRunStage) => void): (event: HistoryEvent) => void {
  let reached = -1;
  return (event) => {
    if (event.type !== 'StateEntered') return;
    const name = (event.state as { name?: unknown } | undefined)?.name;
    const next = typeof name === 'string' ? STAGE_OF_STATE[name] : undefined;
    const index = next ? PIPELINE_STAGES.indexOf(next) : -1;
    if (next && index > reached) {
      reached = index;
      stage(next);
    }
  };
}
