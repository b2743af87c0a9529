import { Stack, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { SimulacraDemoStack } from '../../../lib/demo-stack.ts';
import { SimulacraPipeline, type SimulacraPipelineProps } from '../../../lib/simulacra-pipeline.ts';
import { allFeaturesProps, fastApp, TEST_ENV } from '../../support/infra-fixtures.ts';

/** Unacknowledged AwsSolutions findings as `RuleId @ construct path`. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
  );
}

function pipelineIn(props: (stack: Stack) => SimulacraPipelineProps): {
  stack: Stack;
  pipeline: SimulacraPipeline;
} {
  const app = fastApp();
  const stack = new Stack(app, 'Nag', { env: TEST_ENV });
  return { stack, pipeline: new SimulacraPipeline(stack, 'Pipeline', props(stack)) };
}

describe('cdk-nag AwsSolutions', () => {
  it('the demo stack has zero unacknowledged findings', () => {
    const app = fastApp();
    const stack = new SimulacraDemoStack(app, 'Demo', { env: TEST_ENV });
    expect(findings(stack)).toEqual([]);
  });

  it('every optional feature at once has zero unacknowledged findings', () => {
    const { stack } = pipelineIn(allFeaturesProps);
    expect(findings(stack)).toEqual([]);
  });

  it('acknowledgements carry reasons and are narrow (finding-level for IAM5)', () => {
    const app = fastApp();
    const stack = new SimulacraDemoStack(app, 'Demo', { env: TEST_ENV });
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) {
      expect(reason.length, id).toBeGreaterThan(30);
      expect(id, 'a bare IAM5 acknowledgement would hide new wildcards').not.toMatch(/AwsSolutions-IAM5$/);
    }
  });

  it('a removed security default is reported (mutation: state machine tracing off)', () => {
    const { stack, pipeline } = pipelineIn(() => ({}));
    const cfn = pipeline.generateStateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfn.tracingConfiguration = { enabled: false };
    expect(findings(stack)).toEqual([
      expect.stringMatching(/^AwsSolutions-SF2 @ Nag\/Pipeline\/Workflows\/GenerateStateMachine/),
    ]);
  });

  it('a removed security default is reported (mutation: key rotation off)', () => {
    const { stack, pipeline } = pipelineIn(() => ({}));
    (pipeline.encryptionKey.node.defaultChild as kms.CfnKey).enableKeyRotation = false;
    expect(findings(stack)).toEqual([expect.stringMatching(/^AwsSolutions-KMS5 @ Nag\/Pipeline\/Key/)]);
  });

  it('a new wildcard grant is reported and not covered by the existing acknowledgements', () => {
    const { stack, pipeline } = pipelineIn(() => ({}));
    pipeline.outputBucket.grantReadWrite(pipeline.functions['PollJob']!);
    expect(findings(stack).some((f) => f.startsWith('AwsSolutions-IAM5[') && f.includes('PollJobRole'))).toBe(
      true,
    );
  });
});
