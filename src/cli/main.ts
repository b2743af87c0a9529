/**
 * The `simulacra-pipeline` command line: parses the sub-command and dispatches to it.
 * Each sub-command lives in its own module beside this one and is registered in {@link commands}.
 */
export interface CliCommand {
  /** One line shown in the help text. */
  readonly summary: string;
  /** Runs the command with its own arguments; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** Registered sub-commands, by name. */
export const commands: Record<string, CliCommand> = {};

function usage(): string {
  const lines = Object.entries(commands)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, command]) => `  ${name.padEnd(12)} ${command.summary}`);
  return ['Usage: simulacra-pipeline <command> [options]', '', 'Commands:', ...lines].join('\n');
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}
