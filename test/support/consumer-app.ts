/**
 * A CDK app as another team would write it, laid out like `cdk init app --language typescript`
 * (package.json, tsconfig.json, cdk.json, bin/, lib/), that installs the packed construct from its
 * tarball. Its stacks create `SimulacraPipeline` with no props and with a full set, apply cdk-nag's
 * AWS Solutions checks, and synthesize; the app fails listing every cdk-nag finding.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface ConsumerVersions {
  readonly awsCdkLib: string;
  readonly constructs: string;
  readonly cdkNag: string;
}

/** Starts the error the app throws when cdk-nag finds anything (then a JSON array of findings). */
export const FINDINGS_MARKER = 'NAG-FINDINGS ';

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    declaration: true,
    strict: true,
    noImplicitAny: true,
    strictNullChecks: true,
    noImplicitThis: true,
    alwaysStrict: true,
    noImplicitReturns: true,
    experimentalDecorators: true,
    strictPropertyInitialization: false,
    skipLibCheck: true,
    noEmit: true,
    isolatedModules: true,
    types: [],
  },
  exclude: ['node_modules', 'cdk.out'],
};

const MINIMAL_STACK = `import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SimulacraPipeline } from 'simulacra-pipeline';

export class MinimalStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new SimulacraPipeline(this, 'Synthetic');
  }
}
`;

const FULL_STACK = `import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { SimulacraPipeline, type SimulacraPipelineProps } from 'simulacra-pipeline';

export class FullStack extends Stack {
  readonly pipeline: SimulacraPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0aaaaaaaaaaaaaaa2'],
    });
    const securityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc,
      description: 'Simulacra pipeline functions: HTTPS out only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs and Simulacra');
    const settings: SimulacraPipelineProps = {
      apiBase: 'https://api.eu.simulacra-data.com',
      artifactDecryptionKey: kms.Key.fromKeyArn(
        this,
        'ArtifactKey',
        'arn:aws:kms:eu-west-1:111122223333:key/0d3f1f5e-1111-2222-3333-444455556666',
      ),
      credentialsRotation: { schedule: Duration.days(30) },
      glueDatabaseName: 'synthetic_lake',
      feeds: ['customers', 'orders'],
      schedules: [
        {
          name: 'customers-daily',
          feed: 'customers',
          scenarios: ['baseline'],
          schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '6' }),
          flexibleWindow: Duration.minutes(30),
        },
        { feed: 'orders', schedule: scheduler.ScheduleExpression.rate(Duration.days(7)), enabled: false },
      ],
      mapMaxConcurrency: 8,
      vendorConcurrency: 5,
      functionOverrides: {
        LandArtifact: { memorySize: 5307, timeout: Duration.minutes(15) },
        PollJob: { architecture: lambda.Architecture.X86_64, reservedConcurrency: 2 },
      },
      vpc,
      vpcSubnets: { subnets: vpc.privateSubnets },
      securityGroups: [securityGroup],
      enableAlarms: true,
      enableDashboard: false,
      enableNotifications: true,
      logRetention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
      metricsNamespace: 'Platform/Synthetic',
      quality: { enabled: true, gate: { maxExactMatchExcess: 0.02 }, metricsTableName: 'synthetic_quality' },
    };
    this.pipeline = new SimulacraPipeline(this, 'Synthetic', settings);
  }
}
`;

const APP = `import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FullStack } from '../lib/full-stack.js';
import { MinimalStack } from '../lib/minimal-stack.js';

const app = new App({ outdir: 'cdk.out' });
const env = { account: '111122223333', region: 'eu-west-1' };
const minimal = new MinimalStack(app, 'Minimal', { env });
const full = new FullStack(app, 'Full', { env });
const findings = [minimal, full].flatMap((stack) =>
  new AwsSolutionsChecks()
    .validateScope(stack)
    .violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => violation.ruleName + ' @ ' + resource.constructPath),
    ),
);
if (findings.length > 0) throw new Error(${JSON.stringify(FINDINGS_MARKER)} + JSON.stringify(findings));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
`;

/** Writes the app into `dir` (created); the tarball is installed by the caller. */
export function writeConsumerApp(dir: string, versions: ConsumerVersions): void {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  const manifest = {
    name: 'consumer-app',
    version: '1.0.0',
    private: true,
    bin: { 'consumer-app': 'bin/consumer-app.js' },
    scripts: { build: 'tsc', cdk: 'cdk' },
    dependencies: { 'aws-cdk-lib': versions.awsCdkLib, constructs: versions.constructs },
    devDependencies: { 'cdk-nag': versions.cdkNag },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  writeFileSync(
    path.join(dir, 'cdk.json'),
    `${JSON.stringify({ app: 'npx tsc && npx tsx bin/consumer-app.ts' }, null, 2)}\n`,
  );
  writeFileSync(path.join(dir, 'bin', 'consumer-app.ts'), APP);
  writeFileSync(path.join(dir, 'lib', 'minimal-stack.ts'), MINIMAL_STACK);
  writeFileSync(path.join(dir, 'lib', 'full-stack.ts'), FULL_STACK);
}
