/**
 * `enableSourceMaps`: off by default (Node would read and decode each bundle's source map at
 * module load, on every cold start: bench/cold-start.ts measures it), on for every function,
 * the rotation function included, when set. `NODE_OPTIONS` carries nothing else: V8 heap flags
 * there would lose to the Lambda runtime's own (LandArtifact's semi-space size goes through its
 * exec wrapper instead, test/unit/infra/exec-wrapper-asset.test.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENABLE_SOURCE_MAPS, lambdaNodeOptions } from '../../../lib/bundling.ts';
import { pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import type { SimulacraPipelineProps } from '../../../lib/pipeline-props.ts';
import { resourcesOfType, synthPipeline } from '../../support/infra-fixtures.ts';

/** `NODE_OPTIONS` of every function of a pipeline (with credential rotation) built from `props`. */
function nodeOptionsOfEveryFunction(props: SimulacraPipelineProps): (string | undefined)[] {
  const { json } = synthPipeline({ ...props, credentialsRotation: { schedule: Duration.days(30) } });
  const functions = resourcesOfType(json, 'AWS::Lambda::Function');
  // The pipeline functions and the rotation function, nothing else.
  expect(functions).toHaveLength(pipelineFunctions.length + 1);
  const optionsOf = (fn: (typeof functions)[number][1]) =>
    (fn.Properties?.['Environment'] as { Variables: Record<string, string> } | undefined)?.Variables[
      'NODE_OPTIONS'
    ];
  return functions.map(([, fn]) => optionsOf(fn));
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
  });

  it('leaves it off when false', () => {
    const options = nodeOptionsOfEveryFunction({ enableSourceMaps: false });
    expect(options.every((value) => value === undefined)).toBe(true);
  });
});
