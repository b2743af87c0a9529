import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { lazyClient } from './lazy.ts';

/** The container's Secrets Manager client. */
export const secretsManager = lazyClient(() => new SecretsManagerClient({}));
