import { describe, expect, it } from 'vitest';
import { pipelineStageReporter, type LocalRunStage } from '../../../src/local/local-run.ts';

const entered = (name: string) => ({ type: 'StateEntered', timestamp: 0, state: { name } });

describe('pipelineStageReporter', () => {
  it('reports each pipeline stage once, in order, although parallel scenarios interleave', () => {
    const stages: LocalRunStage[] = [];
    const report = pipelineStageReporter((stage) => stages.push(stage));
    for (const name of [
      'UploadSeed',
      'IsTrainingDone',
      'WaitForTraining',
      'PollTraining',
      'WaitForTraining',
      'ResolveScenarios',
      'CreateGeneration',
      'CreateGeneration',
      'LandArtifact',
      'PollGeneration',
      'RegisterCatalog',
      'LandArtifact',
      'RecordSuccess',
    ]) {
      report(entered(name));
    }
    expect(stages).toEqual([
      'vendor-upload',
      'training',
      'conditions',
      'generation',
      'landing',
      'catalog',
      'record',
    ]);
  });

  it('ignores events other than states being entered', () => {
    const stages: LocalRunStage[] = [];
    const report = pipelineStageReporter((stage) => stages.push(stage));
    report({ type: 'StateExited', timestamp: 0, state: { name: 'UploadSeed' } });
    report({ type: 'ExecutionStarted', timestamp: 0 });
    expect(stages).toEqual([]);
  });
});
