/**
 * The `simulacra-pipeline` command line: parses the sub-command and dispatches to it.
 * Sub-commands live in `./commands/` and are listed in `./commands/index.ts`.
 */
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.ts';

function usage(): string {
  const lines = Object.entries(commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`);
  return [
    'Usage: simulacra-pipeline <command> [options]   (--version prints the version)',
    '',
    'Commands:',
    ...lines,
  ].join('\n');
}

/** The package version (package.json), for `--version`. */
export function cliVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(`simulacra-pipeline ${cliVersion()}`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // Expected failures carry a message that says what to fix; a stack trace would bury it.
    console.error(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env['SIMULACRA_DEBUG']) console.error(err);
    return 1;
  }
}
