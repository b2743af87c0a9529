/**
 * Secrets Manager rotation Lambda for the vendor credential secret. Secrets Manager invokes it
 * once per step (createSecret, setSecret, testSecret, finishSecret) with the secret id in the
 * event, so it needs no environment; see `src/credentials/rotation.ts` for the protocol. A failed
 * step is logged by the skeleton (name and redacted reason) and rethrown unchanged.
 */
import { createRotationDeps, parseRotationEvent, runRotationStep } from '../src/credentials/rotation.ts';
import type { RotationDeps } from '../src/credentials/rotation.ts';
import { secretsManager } from './commons/clients/secrets-manager.ts';
import { defineHandler } from './commons/handler.ts';
import { logger } from './commons/observability.ts';

let deps: RotationDeps | undefined;

/** Runs the rotation step named in the event. */
export const handler = defineHandler({
  name: 'Rotation step',
  input: { parse: parseRotationEvent },
  logKeys: (event) => ({ secretId: event.SecretId, versionId: event.ClientRequestToken, step: event.Step }),
  mapError: (err) => (err instanceof Error ? err : new Error(String(err))),
  run: async (event): Promise<void> => {
    deps ??= createRotationDeps({
      secretsManager: secretsManager(),
      log: (message, details) => logger.info(message, details),
    });
    await runRotationStep(event, deps);
  },
});
