/**
 * `demo`: the whole pipeline on this machine with the bundled example seed and two scenarios,
 * against moto and the simulator, ending with a summary table and a SQL query over the landed data.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseOrExit, type CliCommand } from '../command.ts';
import { sharedOptions, sharedUsage } from '../local-run-options.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'seeds');

const USAGE = `Usage: simulacra-pipeline demo [options]

Runs the pipeline locally on examples/seeds/quickstart.csv (feed "quickstart") with the two
scenarios of examples/seeds/scenarios.json.

${sharedUsage}`;

export const demoCommand: CliCommand = {
  summary: 'run the whole pipeline locally on the bundled example seed',
  async run(args) {
    const parsed = parseOrExit(USAGE, () =>
      parseArgs({ args, options: { ...sharedOptions, help: { type: 'boolean' } }, strict: true }),
    );
    if ('exitCode' in parsed) return parsed.exitCode;
    const { values } = parsed;
    const { runAndReport } = await import('../local-run-command.ts');
    return runAndReport(
      {
        seedFile: join(EXAMPLES, 'quickstart.csv'),
        scenariosFile: join(EXAMPLES, 'scenarios.json'),
        feed: 'quickstart',
      },
      values,
      USAGE,
    );
  },
};
