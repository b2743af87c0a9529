import { SFNClient } from '@aws-sdk/client-sfn';
import { lazyClient } from './lazy.ts';

/** The container's Step Functions client. */
export const sfn = lazyClient(() => new SFNClient({}));
