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
import { eventBridge } from './commons/clients/event-bridge.ts';
import { s3 } from './commons/clients/s3.ts';
import { sfn } from './commons/clients/sfn.ts';
import { requiredString } from './commons/config.ts';
import { defineHandler } from './commons/handler.ts';
import { MetricUnit, logger, metrics, type AsyncHandler } from './commons/observability.ts';
import { stateRepository } from './commons/state.ts';

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
  return defineHandler({
    name: 'Ingest start',
    input: objectCreatedEventSchema,
    config: {
      INGEST_STATE_MACHINE_ARN: requiredString(),
      SEED_BUCKET_NAME: requiredString(),
      EVENT_BUS_NAME: requiredString(),
    },
    logKeys: (event) => ({
      eventId: event.id,
      bucket: event.detail.bucket.name,
      key: event.detail.object.key,
    }),
    run: async (event, config) => {
      const outcome = await startIngest(event, {
        s3: s3(),
        repo: stateRepository(),
        seedBucket: config.SEED_BUCKET_NAME,
        events: { client: eventBridge(), busName: config.EVENT_BUS_NAME },
        startExecution: options.startExecution ?? sdkStartExecution(sfn(), config.INGEST_STATE_MACHINE_ARN),
      });
      const name = `Seed${outcome.outcome[0]!.toUpperCase()}${outcome.outcome.slice(1)}`;
      metrics.addMetric(name, MetricUnit.Count, 1);
      if (outcome.outcome === 'rejected') logger.warn('Seed rejected', { ...outcome });
      else logger.info(`Seed ${outcome.outcome}`, { ...outcome });
      return outcome;
    },
  });
}

export const handler = makeHandler();
