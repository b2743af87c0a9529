/**
 * Secrets Manager rotation Lambda for the vendor credential secret. Secrets Manager invokes it
 * once per step (createSecret, setSecret, testSecret, finishSecret) with the secret id in the
 * event, so it needs no environment; see `src/credentials/rotation.ts` for the protocol.
 */
import { createRotationDeps, parseRotationEvent, runRotationStep } from '../src/credentials/rotation.ts';
import type { RotationDeps } from '../src/credentials/rotation.ts';
import { secretsManager } from './commons/aws-clients.ts';
import { scrubSecrets } from './commons/errors.ts';
import { logger, withObservability } from './commons/observability.ts';

let deps: RotationDeps | undefined;

/** Runs the rotation step named in the event; a failure is logged (ids and reason) and rethrown. */
export const handler = withObservability(async (event: unknown): Promise<void> => {
  const parsed = parseRotationEvent(event);
  logger.appendKeys({
    secretId: parsed.SecretId,
    versionId: parsed.ClientRequestToken,
    step: parsed.Step,
  });
  deps ??= createRotationDeps({
    secretsManager: secretsManager(),
    log: (message, details) => logger.info(message, details),
  });
  try {
    await runRotationStep(parsed, deps);
  } catch (err) {
    logger.error('Rotation step failed', {
      errorName: err instanceof Error ? err.name : 'Error',
      reason: scrubSecrets(err instanceof Error ? err.message : String(err)),
    });
    throw err;
  }
});
