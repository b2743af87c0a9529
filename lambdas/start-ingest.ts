/**
 * EventBridge "Object Created" (seed bucket) → one ingest execution per seed version.
 * Refused objects are recorded and tagged; duplicates are ignored. See src/pipeline/start-ingest.ts.
 */
import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import {
  objectCreatedEventSchema,
  startIngest,
  type StartExecutionFn,
  type StartIngestOutcome,
} from '../src/pipeline/start-ingest.ts';
import { s3, sfn } from './commons/aws-clients.ts';
import { lazyConfig, requiredString } from './commons/config.ts';
import { parseInput, toStateError } from './commons/errors.ts';
import {
  MetricUnit,
  logger,
  metrics,
  withObservability,
  type AsyncHandler,
} from './commons/observability.ts';
import { stateRepository } from './commons/state.ts';

const config = lazyConfig({
  INGEST_STATE_MACHINE_ARN: requiredString(),
  STATE_TABLE_NAME: requiredString(),
  SEED_BUCKET_NAME: requiredString(),
});

/** StartExecution through the AWS SDK; `ExecutionAlreadyExists` means a duplicate event. */
export function sdkStartExecution(client: SFNClient, stateMachineArn: string): StartExecutionFn {
  return async ({ name, input }) => {
    try {
      const out = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { status: 'started', executionArn: out.executionArn ?? `${stateMachineArn}:${name}` };
    } catch (err) {
      if (
        err instanceof ExecutionAlreadyExists ||
        (err instanceof Error && err.name === 'ExecutionAlreadyExists')
      ) {
        return { status: 'duplicate' };
      }
      throw err;
    }
  };
}

/**
 * Builds the handler; `startExecution` replaces the SDK call (the local runner passes its
 * in-process state machine here).
 */
export function makeHandler(
  options: { startExecution?: StartExecutionFn } = {},
): AsyncHandler<unknown, StartIngestOutcome> {
  return withObservability(async (event: unknown) => {
    const parsed = parseInput(objectCreatedEventSchema, event);
    const cfg = config();
    const outcome = await startIngest(parsed, {
      s3: s3(),
      repo: stateRepository(),
      seedBucket: cfg.SEED_BUCKET_NAME,
      startExecution: options.startExecution ?? sdkStartExecution(sfn(), cfg.INGEST_STATE_MACHINE_ARN),
    }).catch((err: unknown) => {
      throw toStateError(err);
    });
    const context = { eventId: parsed.id, bucket: parsed.detail.bucket.name, key: parsed.detail.object.key };
    metrics.addMetric(
      `Seed${outcome.outcome[0]!.toUpperCase()}${outcome.outcome.slice(1)}`,
      MetricUnit.Count,
      1,
    );
    if (outcome.outcome === 'rejected') logger.warn('Seed rejected', { ...context, ...outcome });
    else logger.info(`Seed ${outcome.outcome}`, { ...context, ...outcome });
    return outcome;
  });
}

export const handler = makeHandler();
