/**
 * Workflows: the ingest and generate state machines built from `statemachines/*.asl.json`, the
 * starter's permission to start ingestion, the rule that finishes the run record of an
 * execution that ended without recording it, and the EventBridge Scheduler schedules that start
 * generation runs.
 */
import { Duration, Names, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import {
  loadAslDefinition,
  STATE_MACHINE_FILES,
  substitutionsFor,
  type StateMachineName,
} from '../asl-definition.ts';
import { applyFunctionGrants, serviceKeyConditions } from '../function-grants.ts';
import { PipelineEnv, pipelineFunctions, type aslValuePlaceholders } from '../pipeline-functions.ts';
import {
  DEFAULT_FLEXIBLE_WINDOW,
  scheduleConstructId,
  type SimulacraScheduleProps,
} from '../pipeline-props.ts';
import { acknowledgeNag, createEncryptedLogGroup, grantKeyUse } from '../secure-defaults.ts';
import type { PipelineFunctions } from './functions.ts';
import { PipelinePart } from './pipeline-part.ts';

export interface PipelineWorkflowsProps {
  /** The pipeline construct: log group names derive from its path. */
  readonly pipeline: Construct;
  readonly key: kms.IKey;
  readonly functions: PipelineFunctions;
  readonly mapMaxConcurrency: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class PipelineWorkflows extends PipelinePart {
  readonly ingestStateMachine: sfn.StateMachine;
  readonly generateStateMachine: sfn.StateMachine;
  /**
   * Sends "Execution Status Change" events of FAILED, TIMED_OUT and ABORTED executions to the
   * run-record function, which finishes a run still QUEUED or RUNNING (an uncatchable
   * `States.DataLimitExceeded` or `States.Runtime`, a timeout, a stop).
   */
  readonly executionEndedRule: events.Rule;
  private readonly props: PipelineWorkflowsProps;

  constructor(scope: Construct, id: string, props: PipelineWorkflowsProps) {
    super(scope, id);
    this.props = props;
    const { functions, key } = props;
    const arnPlaceholders = Object.fromEntries(
      pipelineFunctions
        .filter((spec) => spec.aslPlaceholder !== null)
        .map((spec) => [spec.aslPlaceholder as string, functions.fn(spec.id).functionArn]),
    );
    const valuePlaceholders: Record<(typeof aslValuePlaceholders)[number], string> = {
      MapMaxConcurrency: String(props.mapMaxConcurrency),
    };
    const available = { ...arnPlaceholders, ...valuePlaceholders };
    this.ingestStateMachine = this.createStateMachine('ingest', 'Ingest', available);
    this.generateStateMachine = this.createStateMachine('generate', 'Generate', available);
    this.executionEndedRule = new events.Rule(this, 'ExecutionEndedRule', {
      description:
        'Finishes the run record of a pipeline execution that failed, timed out or stopped unrecorded',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [
            this.ingestStateMachine.stateMachineArn,
            this.generateStateMachine.stateMachineArn,
          ],
        },
      },
      targets: [
        new eventsTargets.LambdaFunction(functions.fn('RecordRun'), {
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    for (const spec of pipelineFunctions) {
      if (spec.env.includes(PipelineEnv.ingestStateMachineArn)) {
        const fn = functions.fn(spec.id);
        fn.addEnvironment(PipelineEnv.ingestStateMachineArn, this.ingestStateMachine.stateMachineArn);
        const arn = this.ingestStateMachine.stateMachineArn;
        applyFunctionGrants(fn.role as iam.IRole, spec.grants, {
          ingestStateMachine: {
            arns: [arn],
            key,
            keyConditions: serviceKeyConditions(this, 'states', 'aws:states:stateMachineArn', arn),
          },
        });
      }
    }
    this.pinLogicalIds();
  }

  /** EventBridge Scheduler schedules that start generation runs (failed deliveries to `deadLetterQueue`). */
  createSchedules(
    entries: readonly SimulacraScheduleProps[],
    deadLetterQueue: sqs.IQueue,
  ): scheduler.Schedule[] {
    if (entries.length === 0) return [];
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler role that starts Simulacra generation runs',
    });
    grantKeyUse(role, this.props.key, 'kms:GenerateDataKey', 'kms:Decrypt');
    const schedules = entries.map((entry) => {
      return new scheduler.Schedule(this, scheduleConstructId(entry), {
        description: entry.description ?? `Simulacra generation for feed ${entry.feed}`,
        schedule: entry.schedule,
        enabled: entry.enabled ?? true,
        timeWindow: scheduler.TimeWindow.flexible(entry.flexibleWindow ?? DEFAULT_FLEXIBLE_WINDOW),
        target: new schedulerTargets.StepFunctionsStartExecution(this.generateStateMachine, {
          role,
          deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
          input: scheduler.ScheduleTargetInput.fromObject({
            feed: entry.feed,
            ...(entry.scenarios ? { scenarios: [...entry.scenarios] } : {}),
            trigger: 'schedule',
            // The scheduled time identifies the slot: a retried delivery carries the same value,
            // so the run id (and the generation idempotency keys) stay the same.
            slot: scheduler.ContextAttribute.scheduledTime,
          }),
        }),
      });
    });
    this.pinLogicalIds();
    return schedules;
  }

  private createStateMachine(
    name: StateMachineName,
    id: string,
    available: Readonly<Record<string, string>>,
  ): sfn.StateMachine {
    const { key, logRetention, removalPolicy, functions } = this.props;
    const definition = loadAslDefinition(STATE_MACHINE_FILES[name]);
    const logGroup = createEncryptedLogGroup(this, `${id}StateMachineLogs`, {
      // The /aws/vendedlogs/ prefix keeps Step Functions log delivery from growing the account's
      // (size-limited) CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this.props.pipeline, { maxLength: 200 })}-${id}`,
      encryptionKey: key,
      retention: logRetention,
      removalPolicy,
    });
    const machine = new sfn.StateMachine(this, `${id}StateMachine`, {
      definitionBody: sfn.DefinitionBody.fromString(definition.text),
      definitionSubstitutions: substitutionsFor(definition, available),
      stateMachineType: sfn.StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(key),
    });
    const invoked = pipelineFunctions
      .filter((spec) => spec.aslPlaceholder !== null && definition.placeholders.includes(spec.aslPlaceholder))
      .map((spec) => functions.fn(spec.id).functionArn);
    if (invoked.length > 0) {
      machine.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: invoked }),
      );
    }
    acknowledgeNag(machine, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:*LogDelivery, Describe*) and X-Ray actions only accept Resource "*" (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).',
    });
    return machine;
  }
}
