/**
 * CDK app entry (`cdk.json`: `npx tsx bin/app.ts`): the demo stack with cdk-nag's AWS Solutions
 * checks, so `cdk synth` fails on any unacknowledged finding.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SimulacraDemoStack } from '../lib/demo-stack.ts';

const app = new App();
new SimulacraDemoStack(
  app,
  (app.node.tryGetContext('simulacra:stackName') as string | undefined) ?? 'SimulacraPipeline',
  {
    env: { account: process.env['CDK_DEFAULT_ACCOUNT'], region: process.env['CDK_DEFAULT_REGION'] },
    description:
      'Simulacra Pipeline: synthetic data from the Simulacra Headless API into S3, Glue and Athena',
  },
);
Tags.of(app).add('simulacra:environment', String(app.node.tryGetContext('simulacra:environment') ?? 'demo'));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
