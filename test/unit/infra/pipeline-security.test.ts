/**
 * The construct's security defaults on a synthesized pipeline with one feed and a daily schedule
 * (the mutations proving each check fails are in pipeline-security-mutations.test.ts, the optional
 * features in pipeline-variants.test.ts).
 */
import { Match } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { describe, expect, it } from 'vitest';
import { execWrapperEnvironment } from '../../../lib/lambda-runtime.ts';
import { PipelineEnv, pipelineFunctions } from '../../../lib/pipeline-functions.ts';
import {
  checkFunctions,
  checkIamScoping,
  checkSecurityBaseline,
  checkStateMachines,
  resourcesOfType,
  synthPipeline,
  type CfnTemplateJson,
} from '../../support/infra-fixtures.ts';

const daily = scheduler.ScheduleExpression.expression('cron(0 6 * * ? *)');
const base = synthPipeline({ feeds: ['customers'], schedules: [{ feed: 'customers', schedule: daily }] });
const { json, template, stack, pipeline } = base;

const powertoolsEnv = [
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_LOG_EVENT',
];

function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

/** Every statement of the execution role policy of function `id`. */
function statementsOf(doc: CfnTemplateJson, id: string): Record<string, unknown>[] {
  const roleId = stack.getLogicalId(pipeline.functions[id]!.role!.node.defaultChild as never);
  return resourcesOfType(doc, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties?.['Roles']).includes(`"${roleId}"`))
    .flatMap(
      ([, p]) => (p.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement,
    );
}

function actionsOf(doc: CfnTemplateJson, id: string): Set<string> {
  return new Set(statementsOf(doc, id).flatMap((s) => [s['Action']].flat().map(String)));
}

describe('SimulacraPipeline security defaults', () => {
  it('passes the whole security baseline', () => {
    expect(() => checkSecurityBaseline(json)).not.toThrow();
  });

  it('creates seed, output, query-results and access-log buckets, data buckets SSE-KMS with the pipeline key', () => {
    template.resourceCountIs('AWS::S3::Bucket', 4);
    for (const bucket of [pipeline.seedBucket, pipeline.outputBucket, pipeline.queryResultsBucket]) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(pipeline.encryptionKey), 'Arn'] },
              },
            },
          ],
        },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalId(pipeline.accessLogsBucket as never) },
          LogFilePrefix: Match.stringLikeRegexp('-bucket/$'),
        },
      });
      expect(logicalId(bucket as never)).toMatch(/Bucket/);
    }
  });

  it('turns on EventBridge notifications on the seed bucket without a custom resource', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('routes Object Created events under seeds/ of the seed bucket to the starter, with a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ Ref: logicalId(pipeline.seedBucket) }] },
          object: { key: [{ prefix: 'seeds/' }] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(pipeline.functions['StartIngest']!), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 4 }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(pipeline.functions['StartIngest']!) },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('gives every function exactly the environment its spec names (plus Powertools settings)', () => {
    for (const spec of pipelineFunctions) {
      const fn = json.Resources[logicalId(pipeline.functions[spec.id]!)]!;
      const variables = (fn.Properties?.['Environment'] as { Variables: Record<string, unknown> }).Variables;
      const wrapper = Object.keys(execWrapperEnvironment(spec.maxSemiSpaceMb, spec.initialOldSpaceMb));
      expect(Object.keys(variables).sort(), spec.id).toEqual(
        [...spec.env, ...powertoolsEnv, ...wrapper].sort(),
      );
      expect(fn.Properties?.['MemorySize']).toBe(spec.memoryMb);
      expect(fn.Properties?.['Timeout']).toBe(spec.timeoutSeconds);
      expect(fn.Properties?.['EphemeralStorage'], spec.id).toEqual(
        spec.ephemeralStorageMb === undefined ? undefined : { Size: spec.ephemeralStorageMb },
      );
    }
  });

  it('bundles handlers as minified ESM for Node 24 on arm64, source maps not read by default', () => {
    expect(() => checkFunctions(json)).not.toThrow();
    template.allResourcesProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
    });
    // No function reads source maps, and none has NODE_OPTIONS by default.
    for (const [, fn] of Object.entries(json.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    )) {
      const variables = (fn.Properties?.['Environment'] as { Variables: Record<string, string> }).Variables;
      expect(variables['NODE_OPTIONS']).toBeUndefined();
    }
  });

  it('scopes each function role to what its environment implies', () => {
    const vendorIds = pipelineFunctions
      .filter((s) => s.env.includes(PipelineEnv.credentialsSecretArn))
      .map((s) => s.id);
    for (const spec of pipelineFunctions) {
      const actions = actionsOf(json, spec.id);
      expect(actions.has('secretsmanager:GetSecretValue'), spec.id).toBe(vendorIds.includes(spec.id));
      expect(actions.has('s3:PutObject'), spec.id).toBe(spec.env.includes(PipelineEnv.outputKmsKeyArn));
      expect(actions.has('events:PutEvents'), spec.id).toBe(spec.env.includes(PipelineEnv.eventBusName));
      expect(actions.has('states:StartExecution'), spec.id).toBe(
        spec.env.includes(PipelineEnv.ingestStateMachineArn),
      );
      expect(actions.has('glue:CreateTable'), spec.id).toBe(spec.env.includes(PipelineEnv.glueDatabaseName));
      expect(actions.has('dynamodb:PutItem'), spec.id).toBe(spec.env.includes(PipelineEnv.stateTableName));
      expect(actions.has('s3:PutObjectTagging'), spec.id).toBe(
        spec.env.includes(PipelineEnv.ingestStateMachineArn),
      );
    }
  });

  it('limits object access to the documented prefixes', () => {
    const resources = (id: string, action: string): string[] =>
      statementsOf(json, id)
        .filter((s) => [s['Action']].flat().includes(action))
        .flatMap((s) => [s['Resource']].flat().map((r) => JSON.stringify(r)));
    expect(resources('UploadSeed', 's3:GetObject').every((r) => r.includes('/seeds/*'))).toBe(true);
    const landed = resources('LandArtifact', 's3:PutObject');
    expect(landed).toHaveLength(4);
    expect(landed.some((r) => r.includes('/synthetic/*'))).toBe(true);
    expect(landed.some((r) => r.includes('/_manifests/*'))).toBe(true);
    // Write-audit-publish: the quarantine (audit) prefix and the quality metrics rows.
    expect(landed.some((r) => r.includes('/_quarantine/*'))).toBe(true);
    expect(landed.some((r) => r.includes('/_quality/*'))).toBe(true);
    const deletes = resources('LandArtifact', 's3:DeleteObject');
    expect(deletes.every((r) => r.includes('/_quarantine/*') || r.includes('/_quality/*'))).toBe(true);
    const glue = resources('RegisterCatalog', 'glue:CreateTable').join(' ');
    expect(glue).toContain(`:database/${pipeline.glueDatabaseName}`);
    expect(glue).toContain(`:table/${pipeline.glueDatabaseName}/*`);
  });

  it('has no wildcard actions and Resource "*" only for actions that cannot be scoped', () => {
    expect(() => checkIamScoping(json)).not.toThrow();
  });

  it('lets each state machine invoke exactly the functions its definition uses', () => {
    for (const machine of [pipeline.ingestStateMachine, pipeline.generateStateMachine]) {
      const roleId = stack.getLogicalId((machine.grantPrincipal as iam.Role).node.defaultChild as never);
      const invoke = resourcesOfType(json, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties?.['Roles']).includes(`"${roleId}"`))
        .flatMap(
          ([, p]) => (p.Properties?.['PolicyDocument'] as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((s) => s['Action'] === 'lambda:InvokeFunction');
      expect(invoke).toHaveLength(1);
      const targets = [invoke[0]!['Resource']]
        .flat()
        .map((r) => (r as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
      const machineId = stack.getLogicalId(machine.node.defaultChild as never);
      const substitutions = json.Resources[machineId]!.Properties?.['DefinitionSubstitutions'] as Record<
        string,
        unknown
      >;
      const expected = Object.values(substitutions)
        .filter((v) => typeof v === 'object')
        .map((v) => (v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]);
      expect(new Set(targets)).toEqual(new Set(expected));
    }
  });

  it('logs state machines at ALL without execution data, traces them, and encrypts them with the key', () => {
    expect(() => checkStateMachines(json)).not.toThrow();
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ IncludeExecutionData: false, Level: 'ALL' }),
      EncryptionConfiguration: {
        Type: 'CUSTOMER_MANAGED_KMS_KEY',
        KmsKeyId: { 'Fn::GetAtt': [logicalId(pipeline.encryptionKey), 'Arn'] },
        KmsDataKeyReusePeriodSeconds: 300,
      },
    });
  });

  it('stores state in a pk/sk table with TTL, PITR and the customer key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('keeps the credential out of the template: a generated placeholder with the API base', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        GenerateStringKey: 'client_secret',
        SecretStringTemplate: JSON.stringify({
          client_id: '',
          token_url: '',
          audience: '',
          api_base: 'https://api.simulacra-data.com',
        }),
      },
    });
    expect(JSON.stringify(json)).not.toMatch(/"SecretString"/);
  });

  it('schedules generation with a flexible window, retries, a DLQ and a slot id from the scheduled time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      // Enabled by the pipeline once the feed has a dataset (test/unit/infra/demo-schedules.test.ts).
      State: 'DISABLED',
      Target: {
        Arn: { Ref: logicalId(pipeline.generateStateMachine) },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(pipeline.deadLetterQueue), 'Arn'] } },
        Input: Match.serializedJson({
          feed: 'customers',
          trigger: 'schedule',
          slot: '<aws.scheduler.scheduled-time>',
        }),
      },
    });
  });

  it('runs the Athena workgroup with enforced SSE_KMS results and example queries per feed', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: Match.objectLike({ EncryptionOption: 'SSE_KMS' }),
        }),
      }),
    });
    template.resourceCountIs('AWS::Athena::NamedQuery', 2);
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Database: pipeline.glueDatabaseName,
      QueryString: Match.stringLikeRegexp(`"${pipeline.glueDatabaseName}"\\."customers"`),
    });
  });

  it('alarms on failed and timed-out executions, rejected seeds, DLQ depth and vendor quota, not on retried function errors', () => {
    const alarms = Object.keys(pipeline.monitoring.alarms);
    for (const machine of ['Ingest', 'Generate']) {
      for (const kind of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
        expect(alarms).toContain(`${machine}${kind}`);
      }
      expect(alarms).not.toContain(`${machine}ExecutionsAborted`);
    }
    for (const spec of pipelineFunctions) {
      expect(alarms).not.toContain(`${spec.id}Errors`);
      expect(alarms).not.toContain(`${spec.id}Throttles`);
    }
    expect(alarms).toContain('SeedsRejected');
    expect(alarms).toContain('DeadLetterQueueDepth');
    expect(alarms).toContain('VendorQuotaExhausted');
    template.resourceCountIs('AWS::CloudWatch::Alarm', alarms.length);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '"simio_quota_exhausted"',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'VendorQuotaExhausted', MetricNamespace: 'SimulacraPipeline' }),
      ],
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('exposes metric helpers for the main signals', () => {
    expect(stack.resolve(pipeline.metricVendorQuotaExhausted().metricName)).toBe('VendorQuotaExhausted');
    expect(pipeline.metricGenerationsFailed().metricName).toBe('ExecutionsFailed');
    expect(pipeline.metricIngestsFailed().metricName).toBe('ExecutionsFailed');
    expect(pipeline.metricGenerationsSucceeded().metricName).toBe('ExecutionsSucceeded');
    expect(pipeline.metricDeadLetterQueueDepth().metricName).toBe('ApproximateNumberOfMessagesVisible');
  });
});
