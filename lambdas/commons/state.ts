/**
 * The state-table repository for handlers, built once per container from `STATE_TABLE_NAME`.
 */
import type { JobHistoryReader } from '../../src/pipeline/job-estimate.ts';
import { ContentLedger } from '../../src/state/content-ledger.ts';
import { JobHistory } from '../../src/state/job-history.ts';
import { StateRepository } from '../../src/state/repository.ts';
import { dynamo } from './clients/dynamo.ts';
import { lazyConfig, requiredString } from './config.ts';
import { MetricUnit, logger, metrics } from './observability.ts';

const config = lazyConfig({ STATE_TABLE_NAME: requiredString() });
let repository: StateRepository | undefined;
let ledger: ContentLedger | undefined;
let history: JobHistory | undefined;

/** The container's {@link StateRepository}. */
export function stateRepository(): StateRepository {
  return (repository ??= new StateRepository({ tableName: config().STATE_TABLE_NAME, dynamo: dynamo() }));
}

/** The container's {@link ContentLedger} (content-addressed seeds), in the same table. */
export function contentLedger(): ContentLedger {
  return (ledger ??= new ContentLedger({ tableName: config().STATE_TABLE_NAME, dynamo: dynamo() }));
}

/** The container's {@link JobHistory} (feeds' past vendor job durations), in the same table. */
export function jobHistory(): JobHistory {
  return (history ??= new JobHistory({ tableName: config().STATE_TABLE_NAME, dynamo: dynamo() }));
}

/**
 * The job history as the create steps read it for their first poll: a failed read is logged and
 * counted (`JobHistoryReadFailures` for the feed's own jobs, `JobPriorReadFailures` for the
 * deployment prior), then rethrown for the step to fall back to the backoff (feedJobEstimate).
 */
export function jobHistoryReader(): JobHistoryReader {
  const history = jobHistory();
  return {
    recent: (feed, kind) =>
      reportingReadFailure(history.recent(feed, kind), 'JobHistoryReadFailures', "feed's job history"),
    deploymentRecent: (kind) =>
      reportingReadFailure(history.deploymentRecent(kind), 'JobPriorReadFailures', 'deployment prior'),
  };
}

async function reportingReadFailure<T>(read: Promise<T>, metric: string, what: string): Promise<T> {
  try {
    return await read;
  } catch (err) {
    metrics.addMetric(metric, MetricUnit.Count, 1);
    logger.warn(`Job durations not read from the ${what}: polls placed by the backoff`, {
      error: err as Error,
    });
    throw err;
  }
}

/** Forgets the repository (tests that switch tables or endpoints). */
export function resetStateRepositoryForTests(): void {
  repository = undefined;
  ledger = undefined;
  history = undefined;
  config.reset();
}
