/**
 * `run`: the pipeline on the user's own seed (and scenarios), locally: by default against the
 * built-in simulator, or against any Simulacra-compatible API with `--api-base`.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseOrExit, type CliCommand } from '../command.ts';
import { sharedOptions, sharedUsage } from '../local-run-options.ts';
import { FEED_NAME_RULE, nameProblem } from '../../names/rules.ts';

const USAGE = `Usage: simulacra-pipeline run --seed FILE [--scenarios FILE] [--feed NAME] [options]

  --seed FILE          the seed (CSV or Parquet), dropped as s3://<seed-bucket>/seeds/<feed>/<file>
  --scenarios FILE     the feed's scenarios.json (default: one unconditioned scenario)
  --feed NAME          feed name (default: from the seed's file name)
${sharedUsage}`;

export const runCommand: CliCommand = {
  summary: 'run the pipeline locally on your own seed (and scenarios)',
  async run(args) {
    const parsed = parseOrExit(USAGE, () =>
      parseArgs({
        args,
        options: {
          ...sharedOptions,
          seed: { type: 'string' },
          scenarios: { type: 'string' },
          feed: { type: 'string' },
          help: { type: 'boolean' },
        },
        strict: true,
      }),
    );
    if ('exitCode' in parsed) return parsed.exitCode;
    const { values } = parsed;
    const problems: string[] = [];
    if (!values.seed) problems.push('--seed FILE is required');
    else if (!existsSync(values.seed)) problems.push(`--seed ${values.seed}: no such file`);
    if (values.scenarios && !existsSync(values.scenarios))
      problems.push(`--scenarios ${values.scenarios}: no such file`);
    const feed = values.feed;
    const feedProblem = values.feed === undefined ? null : nameProblem(FEED_NAME_RULE, values.feed);
    if (feedProblem !== null) problems.push(`--feed: ${feedProblem}`);
    if (problems.length > 0) {
      console.error(`${problems.join('\n')}\n\n${USAGE}`);
      return 2;
    }
    const { runAndReport } = await import('../local-run-command.ts');
    return runAndReport(
      {
        seedFile: values.seed as string,
        ...(values.scenarios ? { scenariosFile: values.scenarios } : {}),
        feed,
      },
      values,
      USAGE,
    );
  },
};
