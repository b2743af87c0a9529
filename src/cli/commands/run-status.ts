/**
 * `status RUN_ID`: where one run stands, from the pipeline's state table: its status, seed,
 * dataset, execution, every scenario's outcome, the failure with the vendor's problem code and
 * request ids (what Simulacra support asks for), and whether its events went out. The signup
 * request's status is `signup status`.
 */
import { parseArgs } from 'node:util';
import { parseOrExit, type CliCommand } from '../command.ts';
import {
  STATE_TABLE_OPTIONS,
  defaultDynamo,
  stateTableTarget,
  type StateTableCommandDeps,
} from '../state-table.ts';

export const STATUS_USAGE = `Usage: simulacra-pipeline status RUN_ID [--json] [--table NAME] [--region REGION]
                                [--endpoint-url URL]

  RUN_ID               the run id (the execution name), as listed by \`simulacra-pipeline runs\`
  --json               the run record as JSON
  --table NAME         the stack's state table (default: $SIMULACRA_STATE_TABLE)
  --region REGION      AWS region (default: the SDK's, e.g. $AWS_REGION)
  --endpoint-url URL   another DynamoDB endpoint, e.g. the local stack's (default: $AWS_ENDPOINT_URL)

Exit codes: 0 succeeded, 1 failed or rejected, 3 still queued or running, 4 no such run.
For a signup request's status use \`simulacra-pipeline signup status\`.`;

export type RunStatusDeps = StateTableCommandDeps;

/** Builds the command; tests pass their own dependencies. */
export function createRunStatusCommand(deps: RunStatusDeps = {}): CliCommand {
  const stdout = deps.stdout ?? ((text: string) => console.log(text));
  const stderr = deps.stderr ?? ((text: string) => console.error(text));
  const env = deps.env ?? process.env;
  return {
    summary: 'show one run: status, scenarios, failure with vendor ids, events',
    async run(args) {
      if (args.includes('--request-id')) {
        stderr('The signup request status moved: use `simulacra-pipeline signup status --request-id ID`.');
        return 2;
      }
      const parsed = parseOrExit(STATUS_USAGE, () =>
        parseArgs({
          args,
          allowPositionals: true,
          options: {
            json: { type: 'boolean' },
            ...STATE_TABLE_OPTIONS,
            help: { type: 'boolean' },
          },
          strict: true,
        }),
      );
      if ('exitCode' in parsed) return parsed.exitCode;
      const { values, positionals } = parsed;
      const runId = positionals[0];
      const { table, target, problems } = stateTableTarget(values, env);
      if (!runId || positionals.length > 1) problems.unshift('give exactly one RUN_ID');
      if (problems.length > 0) {
        stderr(`${problems.join('\n')}\n\n${STATUS_USAGE}`);
        return 2;
      }
      const dynamo = await (deps.dynamo ?? defaultDynamo)(target);
      const { StateRepository } = await import('../../state/repository.ts');
      const { toListedRun } = await import('../../state/run-listing.ts');
      const { runsText } = await import('../runs-report.ts');
      const run = await new StateRepository({ tableName: table!, dynamo }).getRun(runId!);
      if (!run) {
        stderr(`No run "${runId}" in table "${table}"; \`simulacra-pipeline runs\` lists the recorded runs.`);
        return 4;
      }
      if (values.json) {
        stdout(JSON.stringify({ ...run, eventsSent: run.eventsSent ? [...run.eventsSent] : [] }, null, 2));
      } else {
        const lines = [runsText([toListedRun(run)])];
        if (run.executionArn) lines.push(`  execution ${run.executionArn}`);
        const f = run.failure;
        if (f) {
          const ids = Object.entries({
            request_id: f.request_id,
            x_request_id: f.x_request_id,
            job_id: f.job_id,
            dataset_id: f.dataset_id,
            generation_id: f.generation_id,
          })
            .filter(([, value]) => value)
            .map(([key, value]) => `${key}=${String(value)}`);
          lines.push(
            `  failure   ${f.error}${f.status ? ` (HTTP ${f.status})` : ''} ${ids.join(' ')}`.trimEnd(),
          );
        }
        lines.push(
          `  events    ${run.eventsPublishedAt ? `published ${run.eventsPublishedAt}` : 'not yet published'}` +
            ` (${run.eventsSent?.size ?? 0} accepted)`,
        );
        stdout(lines.join('\n'));
      }
      if (run.status === 'SUCCEEDED') return 0;
      return run.status === 'QUEUED' || run.status === 'RUNNING' ? 3 : 1;
    },
  };
}

/** The `status` command. */
export const runStatusCommand: CliCommand = createRunStatusCommand();
