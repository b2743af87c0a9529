/**
 * Workflows: the ingest and generate state machines built from `statemachines/*.asl.json`, the
 * starter's permission to start ingestion, the rule that finishes the run record of an
 * execution that ended without recording it, and the EventBridge Scheduler schedules that start
 * generation runs (disabled until their feed has a dataset, unless `enabled` says otherwise).
 */
import { ArnFormat, Duration, Lazy, Names, Stack, type RemovalPolicy } from 'aws-cdk-lib';
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

  /**
   * EventBridge Scheduler schedules that start generation runs (failed deliveries to
   * `deadLetterQueue`). A schedule without `enabled` is created DISABLED and turned on by the
   * run-record function when its feed's ingest leaves the feed with a dataset (`FEED_SCHEDULES`);
   * that function may read and update only those schedules and pass only their role.
   */
  createSchedules(
    entries: readonly SimulacraScheduleProps[],
    deadLetterQueue: sqs.IQueue,
  ): scheduler.Schedule[] {
    const schedules: scheduler.Schedule[] = [];
    const untilFeedReady: { readonly feed: string; readonly id: string; readonly name: string }[] = [];
    const role = entries.length > 0 ? this.createSchedulerRole() : null;
    for (const entry of entries) {
      if (!role) break;
      // A name fixed at synth (the stack name and the schedule's path), not CloudFormation's:
      // the run-record function names the schedules in its environment and policy, and a
      // reference to them would close a cycle (schedule → generate workflow → run-record function).
      const name = Lazy.string({ produce: () => Names.uniqueResourceName(schedule, { maxLength: 64 }) });
      const schedule: scheduler.Schedule = new scheduler.Schedule(this, scheduleConstructId(entry), {
        scheduleName: name,
        description: entry.description ?? `Simulacra generation for feed ${entry.feed}`,
        schedule: entry.schedule,
        enabled: entry.enabled ?? false,
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
      schedules.push(schedule);
      if (entry.enabled === undefined) untilFeedReady.push({ feed: entry.feed, id: schedule.node.id, name });
    }
    this.grantScheduleEnabling(untilFeedReady, role);
    this.pinLogicalIds();
    return schedules;
  }

  private createSchedulerRole(): iam.Role {
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler role that starts Simulacra generation runs',
    });
    grantKeyUse(role, this.props.key, 'kms:GenerateDataKey', 'kms:Decrypt');
    return role;
  }

  /** `FEED_SCHEDULES` and the grants to enable those schedules, on every function that reads it. */
  private grantScheduleEnabling(
    untilFeedReady: readonly { readonly feed: string; readonly id: string; readonly name: string }[],
    role: iam.IRole | null,
  ): void {
    const byFeed: Record<string, { name: string; group: string }[]> = {};
    const arns: string[] = [];
    // In construct-id order, so reordering `schedules` changes neither the variable nor the policy.
    const ordered = [...untilFeedReady].sort(
      (a, b) => a.feed.localeCompare(b.feed) || a.id.localeCompare(b.id),
    );
    for (const { feed, name } of ordered) {
      (byFeed[feed] ??= []).push({ name, group: 'default' });
      arns.push(
        Stack.of(this).formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `default/${name}`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      );
    }
    for (const spec of pipelineFunctions) {
      if (!spec.env.includes(PipelineEnv.feedSchedules)) continue;
      const fn = this.props.functions.fn(spec.id);
      fn.addEnvironment(PipelineEnv.feedSchedules, Stack.of(this).toJsonString(byFeed));
      if (untilFeedReady.length === 0 || !role) continue;
      applyFunctionGrants(fn.role as iam.IRole, spec.grants, {
        feedSchedules: { arns },
        schedulerRole: {
          arns: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        },
      });
    }
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
