/**
 * Alarms that mean something and a dashboard with the pipeline's own metrics next to AWS's.
 *
 * An alarm fires only for something an operator must act on: a failed or timed-out execution
 * (a Lambda error that Step Functions' retries recovered is not one), a rejected seed, messages
 * in the dead-letter queue (the starter's events after their retries), the vendor quota used up,
 * an artifact landed close to the end of the vendor's retention, and a failed credential
 * rotation. `docs/runbook.md` says what to do for each alarm (a test checks the names match).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The pipeline's own metrics (Powertools EMF, dimension `service`), by what they count. */
export const PipelineMetricName = {
  seedsRejected: 'SeedRejected',
  rowsGenerated: 'RowsGenerated',
  partialGenerations: 'PartialGenerations',
  nonConformingScenarios: 'NonConformingScenarios',
  landedBytes: 'LandedBytes',
  vendorThrottled: 'VendorThrottled',
  tokenMints: 'TokenMints',
  /** Seconds left of the vendor's retention of an artifact when it landed. */
  artifactRetentionRemaining: 'ArtifactRetentionRemaining',
  /** Runs recorded by outcome (the run-record step). */
  runsSucceeded: 'RunsSucceeded',
  runsPartial: 'RunsPartial',
  runsFailed: 'RunsFailed',
  /** Scheduled runs of a feed without a dataset yet: skipped, not failed. */
  runsSkipped: 'RunsSkipped',
} as const;

/** Metrics the landing step emits per feed (dimensions `service`, `feed`). */
const PER_FEED_METRICS: ReadonlySet<string> = new Set([
  PipelineMetricName.rowsGenerated,
  PipelineMetricName.partialGenerations,
  PipelineMetricName.nonConformingScenarios,
  PipelineMetricName.landedBytes,
]);

export interface PipelineMonitoringProps {
  /** State machines by a short name (`Ingest`, `Generate`). */
  readonly stateMachines: Readonly<Record<string, sfn.IStateMachine>>;
  /** Functions by construct id (graphed; their errors alarm only through the signals above). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues by a short name. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Count of vendor 402 quota-exhausted responses. */
  readonly vendorQuotaExhausted: cloudwatch.IMetric;
  /** Namespace and `service` dimension of the Powertools metrics. */
  readonly metricsNamespace: string;
  /** @default 'simulacra-pipeline' */
  readonly serviceName?: string;
  /** The credential rotation function, when rotation is on: any error is a failed rotation. */
  readonly rotationFunction?: lambda.IFunction;
  /**
   * Alarm when an artifact lands with less than this left of the vendor's retention.
   * @default Duration.hours(6)
   */
  readonly landingRetentionMargin?: Duration;
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
  /** Every alarm, by construct id (e.g. `GenerateExecutionsFailed`, `SeedsRejected`). */
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Undefined when `enableDashboard` is false. */
  readonly dashboard?: cloudwatch.Dashboard;
  private readonly namespace: string;
  private readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.namespace = props.metricsNamespace;
    this.serviceName = props.serviceName ?? 'simulacra-pipeline';
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      description: string,
      options: Partial<cloudwatch.CreateAlarmOptions> = {},
    ): void => {
      if (props.enableAlarms === false) return;
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
        alarmDescription: `${description} Runbook: docs/runbook.md#${alarmId.toLowerCase()}`,
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
        `A ${name} execution failed after its retries.`,
      );
      add(
        `${name}ExecutionsTimedOut`,
        machine.metricTimedOut({ period, statistic: 'Sum' }),
        `A ${name} execution hit its time limit.`,
      );
    }
    add(
      'SeedsRejected',
      this.pipelineMetric(PipelineMetricName.seedsRejected, 'Sum'),
      'A dropped object was refused as a seed (a "Seed Rejected" event says why).',
    );
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      add(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        `Messages are waiting in the ${name}: seed events or schedule deliveries that failed every retry.`,
      );
    }
    add(
      'VendorQuotaExhausted',
      props.vendorQuotaExhausted,
      'Simulacra answered 402 simio_quota_exhausted: the tenant row quota is used up.',
    );
    const margin = props.landingRetentionMargin ?? Duration.hours(6);
    add(
      'LandingNearRetentionEnd',
      this.pipelineMetric(PipelineMetricName.artifactRetentionRemaining, 'Minimum'),
      `An artifact landed with less than ${margin.toHumanString()} of the vendor's retention left: landing lags behind generation.`,
      {
        threshold: margin.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );
    if (props.rotationFunction) {
      add(
        'CredentialRotationFailed',
        props.rotationFunction.metricErrors({ period, statistic: 'Sum' }),
        'A credential rotation step failed (Secrets Manager does not retry it).',
      );
    }
    this.alarms = alarms;
    if (props.enableDashboard !== false) this.dashboard = this.createDashboard(props);
  }

  /**
   * One of the pipeline's own metrics. Per-feed landing metrics are summed over feeds with a
   * SEARCH expression (graphs only; alarms use the feed-less metrics).
   */
  pipelineMetric(metricName: string, statistic: string, label?: string): cloudwatch.IMetric {
    if (PER_FEED_METRICS.has(metricName)) {
      return new cloudwatch.MathExpression({
        expression: `SUM(SEARCH('{${this.namespace},feed,service} MetricName="${metricName}" service="${this.serviceName}"', '${statistic}', ${period.toSeconds()}))`,
        usingMetrics: {},
        label: label ?? metricName,
        period,
      });
    }
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic,
      period,
      ...(label ? { label } : {}),
    });
  }

  private createDashboard(props: PipelineMonitoringProps): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.days(1),
    });
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({ title, width, left });
    const own = (name: string, statistic = 'Sum', label?: string) =>
      this.pipelineMetric(name, statistic, label);
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## Simulacra pipeline\nOwn metrics (namespace \`${this.namespace}\`) next to AWS's. Alarms: docs/runbook.md`,
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      graph('Rows generated', [own(PipelineMetricName.rowsGenerated)]),
      graph('Partial generations and non-conforming scenarios', [
        own(PipelineMetricName.partialGenerations),
        own(PipelineMetricName.nonConformingScenarios),
      ]),
      graph('Landed bytes', [own(PipelineMetricName.landedBytes)]),
    );
    dashboard.addWidgets(
      graph('Vendor 429s and token mints', [
        own(PipelineMetricName.vendorThrottled),
        own(PipelineMetricName.tokenMints),
      ]),
      graph('Seeds rejected and quota exhausted (402)', [
        own(PipelineMetricName.seedsRejected),
        props.vendorQuotaExhausted,
      ]),
      graph('Retention left at landing (s, minimum)', [
        own(PipelineMetricName.artifactRetentionRemaining, 'Minimum'),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Runs by outcome (skipped: scheduled before the feed had a dataset)',
        [
          own(PipelineMetricName.runsSucceeded),
          own(PipelineMetricName.runsPartial),
          own(PipelineMetricName.runsFailed),
          own(PipelineMetricName.runsSkipped),
        ],
        24,
      ),
    );
    dashboard.addWidgets(
      ...Object.entries(props.stateMachines).map(([name, machine]) =>
        graph(
          `${name} executions`,
          [
            machine.metricStarted({ period }),
            machine.metricSucceeded({ period }),
            machine.metricFailed({ period }),
            machine.metricTimedOut({ period }),
            machine.metricAborted({ period }),
          ],
          12,
        ),
      ),
    );
    const functions = Object.entries(props.functions);
    dashboard.addWidgets(
      graph(
        'Function errors (incl. retried)',
        functions.map(([name, fn]) => fn.metricErrors({ period, label: name })),
      ),
      graph(
        'Function throttles',
        functions.map(([name, fn]) => fn.metricThrottles({ period, label: name })),
      ),
      graph(
        'Function duration p95',
        functions.map(([name, fn]) => fn.metricDuration({ period, label: name, statistic: 'p95' })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Dead-letter queue depth',
        Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period, label: name, statistic: 'Maximum' }),
        ),
        24,
      ),
    );
    return dashboard;
  }
}
