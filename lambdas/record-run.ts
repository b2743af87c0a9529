/**
 * Last step of both state machines: the run's final record in DynamoDB and its EventBridge
 * events ("Synthetic Dataset Published" per landed scenario, or "Synthetic Dataset Failed").
 */
import { recordRun, recordRunInputSchema, type RecordRunResult } from '../src/pipeline/record-run.ts';
import { eventBridge } from './commons/aws-clients.ts';
import { lazyConfig, requiredString } from './commons/config.ts';
import { parseInput, toStateError } from './commons/errors.ts';
import { MetricUnit, logger, metrics, withObservability } from './commons/observability.ts';
import { stateRepository } from './commons/state.ts';

const config = lazyConfig({ STATE_TABLE_NAME: requiredString(), EVENT_BUS_NAME: requiredString() });

export const handler = withObservability(async (event: unknown): Promise<RecordRunResult> => {
  const input = parseInput(recordRunInputSchema, event);
  try {
    const result = await recordRun(input, {
      repo: stateRepository(),
      eventBridge: eventBridge(),
      eventBusName: config().EVENT_BUS_NAME,
    });
    metrics.addMetric(input.outcome === 'failed' ? 'RunsFailed' : 'RunsSucceeded', MetricUnit.Count, 1);
    const log = input.outcome === 'failed' ? logger.warn.bind(logger) : logger.info.bind(logger);
    log('Run recorded', { ...result, kind: input.kind, feed: input.state.feed ?? null });
    return result;
  } catch (err) {
    throw toStateError(err);
  }
});
