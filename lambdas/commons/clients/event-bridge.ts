import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { lazyClient } from './lazy.ts';

/** The container's EventBridge client. */
export const eventBridge = lazyClient(() => new EventBridgeClient({}));
