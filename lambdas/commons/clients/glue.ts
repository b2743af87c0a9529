import { GlueClient } from '@aws-sdk/client-glue';
import { lazyClient } from './lazy.ts';

/** The container's Glue client. */
export const glue = lazyClient(() => new GlueClient({}));
