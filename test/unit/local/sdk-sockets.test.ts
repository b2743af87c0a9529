import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../../../lambdas/commons/clients/dynamo.ts';
import { resetAwsClientsForTests } from '../../../lambdas/commons/clients/lazy.ts';
import { FunctionHost } from '../../../src/local/function-host.ts';
import { LOCAL_SDK_SOCKETS, widenSdkSockets } from '../../../src/local/sdk-sockets.ts';

/** A DynamoDB stand-in that answers once `expected` requests are open at once (or after 300 ms). */
let server: Server;
let endpoint: string;
let open = 0;
let mostOpen = 0;
let expected = 0;
const waiting: (() => void)[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    const answer = () => {
      open -= 1;
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{}');
    };
    waiting.push(answer);
    if (open >= expected) for (const next of waiting.splice(0)) next();
    else
      setTimeout(() => {
        const at = waiting.indexOf(answer);
        if (at === -1) return;
        waiting.splice(at, 1);
        answer();
      }, 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

async function concurrentGets(client: DynamoDBClient, calls: number): Promise<number> {
  open = 0;
  mostOpen = 0;
  expected = calls;
  await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: `k${i}` } } })),
    ),
  );
  return mostOpen;
}

const clientAt = (url: string) =>
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

describe('SDK sockets of a local run', () => {
  it("lets concurrent invocations' calls all be in flight, where the SDK default queues them behind 50 sockets", async () => {
    // The widened client goes first: its handler must load node:http itself (as in a bundle whose
    // clients are all widened), not find it loaded by a default client's first call.
    const widened = clientAt(endpoint);
    widenSdkSockets(widened);
    expect(await concurrentGets(widened, 120)).toBe(120);
    expect(await concurrentGets(clientAt(endpoint), 120)).toBe(50);
  });

  it("gives the handlers' clients the wider agent once a function host runs them", async () => {
    resetAwsClientsForTests();
    new FunctionHost({}, 'us-east-1', '000000000000');
    const handler = (
      dynamo() as unknown as {
        config: {
          requestHandler: {
            configProvider: Promise<{ httpAgentProvider: () => Promise<{ maxSockets: number }> }>;
          };
        };
      }
    ).config.requestHandler;
    const agent = await (await handler.configProvider).httpAgentProvider();
    expect(agent.maxSockets).toBe(LOCAL_SDK_SOCKETS);
    resetAwsClientsForTests();
  });
});
