import { KMSClient } from '@aws-sdk/client-kms';
import { lazyClient } from './lazy.ts';

/** The container's KMS client. */
export const kms = lazyClient(() => new KMSClient({}));
