/**
 * Last step of both state machines: the run's final record in DynamoDB and its EventBridge
 * events ("Scenario Landed" per landed scenario, then "Run Finished"; see docs/events.md).
 */
import { recordRun, recordRunInputSchema } from '../src/pipeline/record-run.ts';
import { eventBridge } from './commons/clients/event-bridge.ts';
import { requiredString } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { MetricUnit, logger, metrics } from './commons/observability.ts';
import { stateRepository } from './commons/state.ts';

export const handler = defineHandler({
  name: 'Run record',
  input: recordRunInputSchema,
  config: { EVENT_BUS_NAME: requiredString() },
  logKeys: (input) => ({ kind: input.kind, feed: input.state.feed ?? null }),
  run: async (input, config) => {
    const result = await recordRun(input, {
      repo: stateRepository(),
      eventBridge: eventBridge(),
      eventBusName: config.EVENT_BUS_NAME,
    });
    metrics.addMetric(input.outcome === 'failed' ? 'RunsFailed' : 'RunsSucceeded', MetricUnit.Count, 1);
    const log = input.outcome === 'failed' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('Run recorded', { ...result });
    return result;
  },
});
