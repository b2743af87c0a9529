/**
 * `enableSourceMaps`: off by default (Node would read and decode each bundle's source map at
 * module load, on every cold start: bench/cold-start.ts measures it), on for every function,
 * the rotation function included, when set. LandArtifact also always runs with its capped young
 * generation (`LANDING_NODE_OPTIONS`), which keeps its peak RSS flat with the artifact's size.
 */
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENABLE_SOURCE_MAPS, lambdaNodeOptions } from '../../../lib/bundling.ts';
import { LANDING_NODE_OPTIONS, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import type { SimulacraPipelineProps } from '../../../lib/pipeline-props.ts';
import { resourcesOfType, synthPipeline } from '../../support/infra-fixtures.ts';

/**
 * `NODE_OPTIONS` of every function of a pipeline (with credential rotation) built from `props`,
 * LandArtifact's apart (it also carries `LANDING_NODE_OPTIONS`).
 */
function nodeOptionsOfEveryFunction(props: SimulacraPipelineProps): (string | undefined)[] {
  const { json } = synthPipeline({ ...props, credentialsRotation: { schedule: Duration.days(30) } });
  const functions = resourcesOfType(json, 'AWS::Lambda::Function');
  // The pipeline functions and the rotation function, nothing else.
  expect(functions).toHaveLength(pipelineFunctions.length + 1);
  const optionsOf = (fn: (typeof functions)[number][1]) =>
    (fn.Properties?.['Environment'] as { Variables: Record<string, string> } | undefined)?.Variables[
      'NODE_OPTIONS'
    ];
  const landing = functions.filter(([id]) => id.includes('LandArtifact'));
  expect(landing).toHaveLength(1);
  const flags = LANDING_NODE_OPTIONS.join(' ');
  const sourceMaps = props.enableSourceMaps === true ? '--enable-source-maps ' : '';
  expect(optionsOf(landing[0]![1])).toBe(`${sourceMaps}${flags}`);
  return functions.filter(([id]) => !id.includes('LandArtifact')).map(([, fn]) => optionsOf(fn));
}

describe('enableSourceMaps', () => {
  it('defaults to off: the functions run without --enable-source-maps', () => {
    expect(DEFAULT_ENABLE_SOURCE_MAPS).toBe(false);
    expect(lambdaNodeOptions()).toEqual({});
    const options = nodeOptionsOfEveryFunction({});
    expect(options.every((value) => value === undefined)).toBe(true);
  });

  it('sets NODE_OPTIONS=--enable-source-maps on every function when true', () => {
    const options = nodeOptionsOfEveryFunction({ enableSourceMaps: true });
    expect(options.every((value) => value === '--enable-source-maps')).toBe(true);
    expect(lambdaNodeOptions(true)).toEqual({ NODE_OPTIONS: '--enable-source-maps' });
    expect(lambdaNodeOptions(true, ['--max-semi-space-size=16'])).toEqual({
      NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=16',
    });
  });

  it('leaves it off when false', () => {
    const options = nodeOptionsOfEveryFunction({ enableSourceMaps: false });
    expect(options.every((value) => value === undefined)).toBe(true);
  });
});
