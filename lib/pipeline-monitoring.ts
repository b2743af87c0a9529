/**
 * Alarms and a dashboard for the pipeline: failed, timed-out and aborted executions per state
 * machine, errors and throttles per function, dead-letter queue depth, and vendor quota
 * exhaustion (HTTP 402 `simio_quota_exhausted`). docs/alarms.md says what to do for each alarm.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface PipelineMonitoringProps {
  /** State machines by a short name (`Ingest`, `Generate`). */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /** Functions by construct id. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues by a short name. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Count of vendor 402 quota-exhausted responses. */
  readonly vendorQuotaExhausted: cloudwatch.IMetric;
  /** Alarm and OK notifications go here. @default - alarms have no actions */
  readonly alarmTopic?: sns.ITopic;
  /** @default - a generated name */
  readonly dashboardName?: string;
  /** @default true */
  readonly enableAlarms?: boolean;
  /** @default true */
  readonly enableDashboard?: boolean;
}

const period = Duration.minutes(5);

/** The pipeline's CloudWatch alarms and dashboard. */
export class PipelineMonitoring extends Construct {
  /** Every alarm, by construct id (e.g. `GenerateExecutionsFailed`, `PollJobErrors`). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Undefined when `enableDashboard` is false. */
  readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (alarmId: string, metric: cloudwatch.IMetric, description: string): void => {
      if (props.enableAlarms === false) return;
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `${description} See docs/alarms.md (${alarmId}).`,
      });
      if (props.alarmTopic) {
        alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
        alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
      }
      alarms[alarmId] = alarm;
    };

    for (const [name, machine] of Object.entries(props.stateMachines)) {
      add(
        `${name}ExecutionsFailed`,
        machine.metricFailed({ period, statistic: 'Sum' }),
        `A ${name} execution failed.`,
      );
      add(
        `${name}ExecutionsTimedOut`,
        machine.metricTimedOut({ period, statistic: 'Sum' }),
        `A ${name} execution timed out.`,
      );
      add(
        `${name}ExecutionsAborted`,
        machine.metricAborted({ period, statistic: 'Sum' }),
        `A ${name} execution was aborted.`,
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      add(
        `${name}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `The ${name} function returned errors.`,
      );
      add(
        `${name}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `The ${name} function was throttled.`,
      );
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `Messages are waiting in the ${name} dead-letter queue.`,
      );
    }
    add(
      'VendorQuotaExhausted',
      props.vendorQuotaExhausted,
      'Simulacra answered 402 simio_quota_exhausted: the tenant row quota is used up.',
    );
    this.alarms = alarms;

    if (props.enableDashboard === false) return;
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.days(1),
    });
    this.dashboard = dashboard;
    const machines = Object.entries(props.stateMachines);
    dashboard.addWidgets(
      ...machines.map(
        ([name, machine]) =>
          new cloudwatch.GraphWidget({
            title: `${name} executions`,
            width: 12,
            left: [
              machine.metricStarted({ period }),
              machine.metricSucceeded({ period }),
              machine.metricFailed({ period }),
              machine.metricTimedOut({ period }),
              machine.metricAborted({ period }),
            ],
          }),
      ),
    );
    const functions = Object.entries(props.functions);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        width: 8,
        left: functions.map(([name, fn]) => fn.metricErrors({ period, label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function throttles',
        width: 8,
        left: functions.map(([name, fn]) => fn.metricThrottles({ period, label: name })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p95',
        width: 8,
        left: functions.map(([name, fn]) => fn.metricDuration({ period, label: name, statistic: 'p95' })),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        width: 12,
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period, label: name, statistic: 'Maximum' }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Vendor quota exhausted (402)',
        width: 12,
        left: [props.vendorQuotaExhausted],
      }),
    );
  }
}
