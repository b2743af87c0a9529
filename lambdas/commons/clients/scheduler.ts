import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { lazyClient } from './lazy.ts';

/** The container's EventBridge Scheduler client. */
export const scheduler = lazyClient(() => new SchedulerClient({}));
