/**
 * `redrive RUN`: completes a run by generating only the scenarios it did not land, with the live
 * dataset and the run's idempotency keys (0 duplicate vendor work, 0 duplicate objects). Against
 * a deployed stack it starts the ingest state machine (`--state-machine-arn`); against the local
 * stack it queues the re-drive, which `local up` starts.
 */
import { parseArgs } from 'node:util';
import type { StartExecutionFn } from '../../pipeline/start-ingest.ts';
import { parseOrExit, type CliCommand } from '../command.ts';
import {
  STATE_TABLE_OPTIONS,
  defaultDynamo,
  stateTableTarget,
  type AwsTarget,
  type StateTableCommandDeps,
} from '../state-table.ts';

export const REDRIVE_USAGE = `Usage: simulacra-pipeline redrive RUN [--state-machine-arn ARN] [--table NAME]
                                    [--region REGION] [--endpoint-url URL] [--json]

  RUN                  the run to complete (see \`simulacra-pipeline runs\`)
  --state-machine-arn  the stack's ingest state machine (default: $SIMULACRA_INGEST_STATE_MACHINE_ARN);
                       without it the re-drive is queued for \`local up\` to start
  --table NAME         the stack's state table (default: $SIMULACRA_STATE_TABLE)
  --region, --endpoint-url   as for \`runs\`

Re-runs only the scenarios RUN did not land, on its live dataset (no new training) and with its
vendor idempotency keys where the request is the same, so nothing is bought or landed twice. The
new run is recorded with "redrive of RUN".`;

export interface RedriveCommandDeps extends StateTableCommandDeps {
  /** Starts an ingest execution (tests pass the local runner's). */
  readonly startExecution?: (arn: string, target: AwsTarget) => StartExecutionFn;
}

function sdkStart(arn: string, target: AwsTarget): StartExecutionFn {
  return async ({ name, input }) => {
    const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
    try {
      const out = await new SFNClient(target).send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }),
      );
      return { status: 'started', executionArn: out.executionArn ?? `${arn}:${name}` };
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionAlreadyExists') return { status: 'duplicate' };
      throw err;
    }
  };
}

/** A StartExecution that only leaves the re-drive queued (the local stack's `local up` starts it). */
const queueOnly: StartExecutionFn = () => Promise.resolve({ status: 'duplicate' });

export function createRedriveCommand(deps: RedriveCommandDeps = {}): CliCommand {
  const stdout = deps.stdout ?? ((text: string) => console.log(text));
  const stderr = deps.stderr ?? ((text: string) => console.error(text));
  const env = deps.env ?? process.env;
  return {
    summary: 'complete a run: re-run only the scenarios it did not land, buying nothing twice',
    async run(args) {
      let positionals: string[] = [];
      const parsed = parseOrExit(REDRIVE_USAGE, () => {
        const result = parseArgs({
          args,
          allowPositionals: true,
          options: {
            'state-machine-arn': { type: 'string' },
            ...STATE_TABLE_OPTIONS,
            json: { type: 'boolean' },
            help: { type: 'boolean' },
          },
          strict: true,
        });
        positionals = result.positionals;
        return result;
      });
      if ('exitCode' in parsed) return parsed.exitCode;
      const { values } = parsed;
      const { table, target, problems } = stateTableTarget(values, env);
      if (positionals.length !== 1) problems.unshift('give exactly one RUN id');
      if (problems.length > 0) {
        stderr(`${problems.join('\n')}\n\n${REDRIVE_USAGE}`);
        return 2;
      }
      const dynamo = await (deps.dynamo ?? defaultDynamo)(target);
      const arn = values['state-machine-arn'] ?? env.SIMULACRA_INGEST_STATE_MACHINE_ARN;
      const startExecution = arn ? (deps.startExecution ?? sdkStart)(arn, target) : queueOnly;
      const { RedriveRefusedError, redriveRun } = await import('../../pipeline/redrive.ts');
      const { StateRepository } = await import('../../state/repository.ts');
      try {
        const result = await redriveRun(positionals[0]!, {
          repo: new StateRepository({ tableName: table!, dynamo }),
          dynamo,
          tableName: table!,
          startExecution,
        });
        const { plan } = result;
        if (values.json) {
          stdout(JSON.stringify({ ...plan, executionArn: result.executionArn, queued: !arn }, null, 2));
        } else {
          stdout(
            [
              `Re-drive of ${plan.of}: run ${plan.runId} ${arn ? `started (${result.executionArn ?? 'already running'})` : 'queued for `local up`'}`,
              `  skipping landed: ${plan.landed.length > 0 ? plan.landed.join(', ') : '(none)'}`,
              `  reusing the idempotency keys of ${plan.keyRunId}${plan.freshKeys.length > 0 ? `; fresh keys for failed vendor jobs: ${plan.freshKeys.join(', ')}` : ''}`,
              `  follow it with: simulacra-pipeline runs --feed <feed>`,
            ].join('\n'),
          );
        }
        return 0;
      } catch (err) {
        if (err instanceof RedriveRefusedError) {
          stderr(err.message);
          return 3;
        }
        stderr(`Could not re-drive ${positionals[0]}: ${(err as Error).message}`);
        return 1;
      }
    },
  };
}

export const redriveCommand: CliCommand = createRedriveCommand();
