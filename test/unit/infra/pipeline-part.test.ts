import { App, Names, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { PipelinePart, uniqueIdOf, uniqueIdWithoutParts } from '../../../lib/parts/pipeline-part.ts';
import { fastApp } from '../../support/infra-fixtures.ts';

class Part extends PipelinePart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new sqs.Queue(this, 'Queue');
    this.pinLogicalIds();
  }
}

function logicalIds(stack: Stack): string[] {
  const app = stack.node.root as App;
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources?: Record<string, unknown>;
  };
  return Object.keys(template.Resources ?? {}).sort();
}

describe('PipelinePart', () => {
  it('computes the ids CDK computes', () => {
    const app = new App();
    const stack = new Stack(app, 'S');
    const deep = new Construct(new Construct(stack, 'A'), 'Default');
    const queue = new sqs.Queue(deep, 'Resource');
    expect(uniqueIdOf(['S', 'A', 'Default', 'Resource'])).toBe(Names.uniqueId(queue));
    expect(uniqueIdOf(['OnlyOne'])).toBe('OnlyOne');
    expect(uniqueIdOf(['x'.repeat(300), 'y'])).toBe(
      Names.uniqueId(new Construct(new Construct(app, 'x'.repeat(300)), 'y')),
    );
  });

  it('keeps the logical ids resources had directly in the parent', () => {
    const direct = new Stack(fastApp(), 'S');
    new sqs.Queue(new Construct(direct, 'Pipeline'), 'Queue');
    const split = new Stack(fastApp(), 'S');
    const part = new Part(new Construct(split, 'Pipeline'), 'Storage');
    expect(logicalIds(split)).toEqual(logicalIds(direct));
    expect(split.getLogicalId(part.node.findChild('Queue').node.defaultChild as sqs.CfnQueue)).toBe(
      logicalIds(direct)[0],
    );
    expect(uniqueIdWithoutParts(part.node.findChild('Queue'))).toBe(
      'SPipelineQueue' + uniqueIdOf(['S', 'Pipeline', 'Queue']).slice(-8),
    );
  });

  it('pins elements added after construction, and a later override wins', () => {
    const stack = new Stack(fastApp(), 'S');
    const part = new Part(new Construct(stack, 'Pipeline'), 'Storage');
    new sqs.Queue(part, 'Late');
    const direct = new Stack(fastApp(), 'S');
    const pipeline = new Construct(direct, 'Pipeline');
    new sqs.Queue(pipeline, 'Queue');
    new sqs.Queue(pipeline, 'Late');
    expect(logicalIds(stack)).toEqual(logicalIds(direct));
    const again = new Stack(fastApp(), 'S');
    const overridden = new Part(new Construct(again, 'Pipeline'), 'Storage');
    (overridden.node.findChild('Queue').node.defaultChild as sqs.CfnQueue).overrideLogicalId('Mine');
    expect(logicalIds(again)).toContain('Mine');
  });
});
