/**
 * `runs`: the runs recorded in the pipeline's state table, newest first, each with one outcome
 * per scenario. Works against a deployed stack (normal AWS credentials and region) and against
 * the local stack (`--endpoint-url`, or `AWS_ENDPOINT_URL`, as printed by `local up`).
 */
import { parseArgs } from 'node:util';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseOrExit, type CliCommand } from '../command.ts';

export const RUNS_USAGE = `Usage: simulacra-pipeline runs [--feed NAME] [--limit N] [--json] [--table NAME]
                              [--region REGION] [--endpoint-url URL]

  --feed NAME          only this feed's runs (default: every feed)
  --limit N            at most N runs, newest first (default 20)
  --json               one JSON document instead of text
  --table NAME         the stack's state table (default: $SIMULACRA_STATE_TABLE)
  --region REGION      AWS region (default: the SDK's, e.g. $AWS_REGION)
  --endpoint-url URL   another DynamoDB endpoint, e.g. the local stack's (default: $AWS_ENDPOINT_URL)

Each run shows its status, seed, dataset and every scenario: landed, partial, rejected (with the
fix) or failed (with the vendor's problem code); a run that repeated identical seed bytes says
"duplicate of <run>".`;

export interface RunsCommandDeps {
  /** Builds the DynamoDB document client (tests pass their own). */
  readonly dynamo?: (options: { region?: string; endpoint?: string }) => Promise<DynamoDBDocumentClient>;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

async function defaultDynamo(options: {
  region?: string;
  endpoint?: string;
}): Promise<DynamoDBDocumentClient> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient: Document } = await import('@aws-sdk/lib-dynamodb');
  return Document.from(new DynamoDBClient(options));
}

/** Builds the command; tests pass their own dependencies. */
export function createRunsCommand(deps: RunsCommandDeps = {}): CliCommand {
  const stdout = deps.stdout ?? ((text: string) => console.log(text));
  const stderr = deps.stderr ?? ((text: string) => console.error(text));
  const env = deps.env ?? process.env;
  return {
    summary: 'list runs with the outcome of every scenario (local or deployed stack)',
    async run(args) {
      const parsed = parseOrExit(RUNS_USAGE, () =>
        parseArgs({
          args,
          options: {
            feed: { type: 'string' },
            limit: { type: 'string' },
            json: { type: 'boolean' },
            table: { type: 'string' },
            region: { type: 'string' },
            'endpoint-url': { type: 'string' },
            help: { type: 'boolean' },
          },
          strict: true,
        }),
      );
      if ('exitCode' in parsed) return parsed.exitCode;
      const { values } = parsed;
      const table = values.table ?? env.SIMULACRA_STATE_TABLE;
      const limit = Number(values.limit ?? 20);
      const problems: string[] = [];
      if (!table)
        problems.push("--table NAME (or $SIMULACRA_STATE_TABLE) is required: the stack's state table");
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) problems.push('--limit must be 1..1000');
      if (problems.length > 0) {
        stderr(`${problems.join('\n')}\n\n${RUNS_USAGE}`);
        return 2;
      }
      const endpoint = values['endpoint-url'] ?? env.AWS_ENDPOINT_URL;
      const dynamo = await (deps.dynamo ?? defaultDynamo)({
        ...(values.region ? { region: values.region } : {}),
        ...(endpoint ? { endpoint } : {}),
      });
      const { listRuns } = await import('../../state/run-listing.ts');
      const { runsText } = await import('../runs-report.ts');
      try {
        const runs = await listRuns(dynamo, table!, { feed: values.feed ?? null, limit });
        stdout(values.json ? JSON.stringify({ runs }, null, 2) : runsText(runs));
        return 0;
      } catch (err) {
        stderr(`Could not read runs from table "${table}": ${(err as Error).message}`);
        return 1;
      }
    },
  };
}

/** The `runs` command. */
export const runsCommand: CliCommand = createRunsCommand();
