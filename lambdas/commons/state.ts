/**
 * The state-table repository for handlers, built once per container from `STATE_TABLE_NAME`.
 */
import { ContentLedger } from '../../src/state/content-ledger.ts';
import { JobHistory } from '../../src/state/job-history.ts';
import { StateRepository } from '../../src/state/repository.ts';
import { dynamo } from './clients/dynamo.ts';
import { lazyConfig, requiredString } from './config.ts';

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

/** Forgets the repository (tests that switch tables or endpoints). */
export function resetStateRepositoryForTests(): void {
  repository = undefined;
  ledger = undefined;
  history = undefined;
  config.reset();
}
