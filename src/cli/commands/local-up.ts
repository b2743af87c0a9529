/**
 * `local up`: leaves local AWS (moto) and the simulator running with the stack's resources, prints
 * their endpoints, and runs the pipeline for every seed that appears under `seeds/` in the local
 * seed bucket, as the S3 → EventBridge → starter path would on AWS.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseOrExit, type CliCommand } from '../command.ts';

const USAGE = `Usage: simulacra-pipeline local up [--mode managed|enterprise] [--poll-ms N]

Starts moto and the simulator, creates the stack's resources, prints one JSON line with the
endpoints and names, and runs the pipeline for each seed uploaded to s3://<seed-bucket>/seeds/<feed>/
(checked every --poll-ms, default 2000), and each re-drive queued by \`simulacra-pipeline redrive\`.
Handler logs go to .local/logs/. Stop with Ctrl-C.`;

/** Seeds already handled, by key and ETag: a re-upload (new ETag) runs again, like a new S3 event. */
function seedId(key: string, etag: string | undefined): string {
  return `${key}#${etag ?? ''}`;
}

export const localCommand: CliCommand = {
  summary: 'local up: keep local AWS + the simulator running and process dropped seeds',
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'up') {
      console.error(USAGE);
      return 2;
    }
    const parsed = parseOrExit(USAGE, () =>
      parseArgs({
        args: rest,
        options: { mode: { type: 'string' }, 'poll-ms': { type: 'string' }, help: { type: 'boolean' } },
        strict: true,
      }),
    );
    if ('exitCode' in parsed) return parsed.exitCode;
    const { values } = parsed;
    const mode = values.mode ?? 'managed';
    if (mode !== 'managed' && mode !== 'enterprise') {
      console.error(`--mode must be "managed" or "enterprise", got "${mode}"`);
      return 2;
    }
    const pollMs = Number(values['poll-ms'] ?? 2000);
    const { startLocalEnvironment } = await import('../../local/environment.ts');
    const { LocalPipelineRunner } = await import('../../local/runner.ts');
    const { captureOutput, pollTimeScaleFor } = await import('../local-run-command.ts');
    const env = await startLocalEnvironment({ mode, simulator: { autoApprove: true } });
    const { DEFAULT_TIMINGS } = await import('../../../simulator/context.ts');
    const runner = new LocalPipelineRunner({
      env: env.env,
      iam: env.iam,
      functionLimits: env.stack.functionLimits,
      pollTimeScale: pollTimeScaleFor(DEFAULT_TIMINGS.trainingMs, false),
    });
    console.log(
      JSON.stringify({
        aws_endpoint: env.moto.endpoint,
        region: env.moto.region,
        aws_access_key_id: env.moto.credentials.accessKeyId,
        aws_secret_access_key: env.moto.credentials.secretAccessKey,
        api_base: env.simulator?.apiBase,
        token_url: env.simulator?.tokenUrl,
        seed_bucket: env.names.seedBucket,
        output_bucket: env.names.outputBucket,
        state_table: env.names.stateTable,
        glue_database: env.names.glueDatabase,
        credentials_secret_arn: env.names.credentialsSecretArn,
        try: `AWS_ENDPOINT_URL=${env.moto.endpoint} aws s3 cp my.csv s3://${env.names.seedBucket}/seeds/my-feed/my.csv`,
      }),
    );
    const seen = new Set<string>();
    let stopping = false;
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        stopping = true;
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    const logFile = join(process.cwd(), '.local', 'logs', `local-up-${Date.now()}.jsonl`);
    const { queuedRedrives } = await import('../../pipeline/redrive-queue.ts');
    const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
    const documents = DynamoDBDocumentClient.from(env.clients.dynamodb);
    while (!stopping) {
      // Re-drives queued by `simulacra-pipeline redrive` (this process is the local Step Functions).
      for (const queued of await queuedRedrives(documents, env.names.stateTable)) {
        const started = await runner.startIngestExecution(queued);
        if (started.status === 'started') console.error(`redrive ${queued.name}: started`);
      }
      const listing = await env.clients.s3.send(
        new ListObjectsV2Command({ Bucket: env.names.seedBucket, Prefix: 'seeds/' }),
      );
      for (const object of listing.Contents ?? []) {
        if (!object.Key || seen.has(seedId(object.Key, object.ETag))) continue;
        seen.add(seedId(object.Key, object.ETag));
        if (object.Key.endsWith('/scenarios.json')) continue;
        const restore = captureOutput(logFile);
        try {
          const result = await runner.runSeedDrop({
            bucket: env.names.seedBucket,
            key: object.Key,
            size: object.Size ?? 0,
            etag: object.ETag ?? null,
          });
          restore();
          console.error(
            `${object.Key}: ${result.outcome.outcome}` +
              (result.execution ? ` → ${result.execution.status}` : '') +
              ('reason' in result.outcome ? ` (${result.outcome.reason})` : ''),
          );
        } catch (err) {
          restore();
          console.error(`${object.Key}: ${(err as Error).message}`);
        }
      }
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, pollMs))]);
    }
    await env.close();
    return 0;
  },
};
