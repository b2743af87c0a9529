/**
 * `runs`: the runs recorded in the pipeline's state table, newest first, each with one outcome
 * per scenario. Works against a deployed stack (normal AWS credentials and region) and against
 * the local stack (`--endpoint-url`, or `AWS_ENDPOINT_URL`, as printed by `local up`).
 */
import { parseArgs } from 'node:util';
import { parseOrExit, type CliCommand } from '../command.ts';
import {
  STATE_TABLE_OPTIONS,
  defaultDynamo,
  stateTableTarget,
  type StateTableCommandDeps,
} from '../state-table.ts';

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

export type RunsCommandDeps = StateTableCommandDeps;

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
            ...STATE_TABLE_OPTIONS,
            help: { type: 'boolean' },
          },
          strict: true,
        }),
      );
      if ('exitCode' in parsed) return parsed.exitCode;
      const { values } = parsed;
      const { table, target, problems } = stateTableTarget(values, env);
      const limit = Number(values.limit ?? 20);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) problems.push('--limit must be 1..1000');
      if (problems.length > 0) {
        stderr(`${problems.join('\n')}\n\n${RUNS_USAGE}`);
        return 2;
      }
      const dynamo = await (deps.dynamo ?? defaultDynamo)(target);
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
