/**
 * The state-table repository for handlers, built once per container from `STATE_TABLE_NAME`.
 */
import { StateRepository } from '../../src/state/repository.ts';
import { dynamo } from './aws-clients.ts';
import { lazyConfig, requiredString } from './config.ts';

const config = lazyConfig({ STATE_TABLE_NAME: requiredString() });
let repository: StateRepository | undefined;

/** The container's {@link StateRepository}. */
export function stateRepository(): StateRepository {
  return (repository ??= new StateRepository({ tableName: config().STATE_TABLE_NAME, dynamo: dynamo() }));
}

/** Forgets the repository (tests that switch tables or endpoints). */
export function resetStateRepositoryForTests(): void {
  repository = undefined;
  config.reset();
}
