/**
 * Records runs, in two places of both state machines: at the end of every scenario's Map
 * iteration (`action: "scenario"`: the scenario's outcome and its "Scenario Landed" or "Scenario
 * Failed" event), and as the last step (the run's final status from its scenarios and its "Run
 * Finished" event). It also receives Step Functions' "Execution Status Change" events for failed,
 * timed-out and stopped executions (an EventBridge rule), and finishes a run whose execution ended
 * before it could record itself (src/pipeline/record-execution-end.ts). A scheduled generation
 * with nothing to generate from is recorded as SKIPPED; an ingest run that leaves its feed with a
 * dataset enables the feed's schedules (`FEED_SCHEDULES`, src/pipeline/feed-schedules.ts). See
 * docs/run-outcomes.md and docs/events.md.
 */
import { recordRun, recordRunInputSchema, type RecordRunInput } from '../src/pipeline/record-run.ts';
import {
  recordScenario,
  recordScenarioInputSchema,
  type RecordScenarioInput,
} from '../src/pipeline/record-scenario.ts';
import {
  executionStatusChangeSchema,
  isExecutionStatusChange,
  recordExecutionEnd,
  type ExecutionStatusChange,
} from '../src/pipeline/record-execution-end.ts';
import * as z from '../src/contracts/zod.ts';
import { feedSchedulesVariable } from '../src/pipeline/feed-schedules.ts';
import { eventBridge } from './commons/clients/event-bridge.ts';
import { scheduler } from './commons/clients/scheduler.ts';
import { requiredString } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { stateRepository } from './commons/state.ts';

type RecordInput =
  | { readonly step: 'scenario'; readonly input: RecordScenarioInput }
  | { readonly step: 'run'; readonly input: RecordRunInput }
  | { readonly step: 'execution-end'; readonly input: ExecutionStatusChange };

const inputSchema = {
  parse(event: unknown): RecordInput {
    if (isExecutionStatusChange(event)) {
      return { step: 'execution-end', input: executionStatusChangeSchema.parse(event) };
    }
    return (event as { action?: unknown } | null)?.action === 'scenario'
      ? { step: 'scenario', input: recordScenarioInputSchema.parse(event) }
      : { step: 'run', input: recordRunInputSchema.parse(event) };
  },
};

const METRIC_OF_STATUS: Readonly<Record<string, string>> = {
  SUCCEEDED: 'RunsSucceeded',
  PARTIAL: 'RunsPartial',
  FAILED: 'RunsFailed',
  SKIPPED: 'RunsSkipped',
};

export const handler = defineHandler({
  name: 'Run record',
  input: inputSchema,
  config: {
    EVENT_BUS_NAME: requiredString(),
    FEED_SCHEDULES: z.pipe(requiredString(), z.transform(feedSchedulesVariable)),
  },
  logKeys: (request) => {
    if (request.step === 'scenario') {
      return { runId: request.input.runId, scenario: request.input.state.resolved.scenario.name };
    }
    if (request.step === 'execution-end') {
      return { runId: request.input.detail.name, executionStatus: request.input.detail.status };
    }
    return { runId: request.input.runId, kind: request.input.kind, feed: request.input.state.feed ?? null };
  },
  run: async (request, config) => {
    const deps = {
      repo: stateRepository(),
      eventBridge: eventBridge(),
      eventBusName: config.EVENT_BUS_NAME,
      schedules: { byFeed: config.FEED_SCHEDULES, scheduler: scheduler() },
    };
    if (request.step === 'scenario') {
      const result = await recordScenario(request.input, deps);
      const outcome = `${result.outcome[0]?.toUpperCase() ?? ''}${result.outcome.slice(1)}`;
      metrics.addMetric(`Scenarios${outcome}`, MetricUnit.Count, 1);
      const log = result.outcome === 'failed' ? logger.warn.bind(logger) : logger.info.bind(logger);
      log('Scenario recorded', { ...result });
      return result;
    }
    if (request.step === 'execution-end') {
      const ended = await recordExecutionEnd(request.input, deps);
      if (!ended.recorded) return ended;
      metrics.addMetric(METRIC_OF_STATUS[ended.status] ?? 'RunsFailed', MetricUnit.Count, 1);
      logger.warn('Run finished after its execution ended unrecorded', { ...ended });
      return ended;
    }
    const result = await recordRun(request.input, deps);
    metrics.addMetric(METRIC_OF_STATUS[result.status] ?? 'RunsFailed', MetricUnit.Count, 1);
    const quiet = result.status === 'SUCCEEDED' || result.status === 'SKIPPED';
    const log = quiet ? logger.info.bind(logger) : logger.warn.bind(logger);
    log('Run recorded', { ...result });
    if (result.schedules?.missing.length) {
      logger.warn('Schedules of the feed no longer exist', { missing: result.schedules.missing });
    }
    return result;
  },
});
