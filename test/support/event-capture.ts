/**
 * Captures every PutEvents entry the handlers' shared EventBridge client sends (they still go to
 * moto). The local event bus has no consumer to read them back from, so they are taken where the
 * record steps hand them to the SDK.
 */
import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** One EventBridge entry the pipeline sent, with its detail parsed. */
export interface CapturedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly busName: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

function capturedEvent(entry: PutEventsRequestEntry): CapturedEvent {
  return {
    source: entry.Source ?? '',
    detailType: entry.DetailType ?? '',
    busName: entry.EventBusName ?? '',
    detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
  };
}

/** Appends every entry `client` sends to `sink` (once per client, however often it is called). */
export function recordEventsOf(client: EventBridgeClient, sink: CapturedEvent[]): void {
  const name = 'testRecordPipelineEvents';
  client.middlewareStack.remove(name);
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Entries?: PutEventsRequestEntry[] };
      const result = await next(args);
      for (const entry of input.Entries ?? []) sink.push(capturedEvent(entry));
      return result;
    },
    { step: 'initialize', name },
  );
}
