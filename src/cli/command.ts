/** The shape every `simulacra-pipeline` sub-command implements. */
export interface CliCommand {
  /** One line shown in the help text. */
  readonly summary: string;
  /** Runs the command with its own arguments; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * Runs a command's option parsing (`parse`, e.g. a `parseArgs` call with a `help` flag) and decides
 * whether the command goes on: the values and positionals, or the exit code after printing the
 * usage (0 for `--help`, 2 for bad options).
 */
export function parseOrExit<T extends { readonly help?: boolean | undefined }>(
  usage: string,
  parse: () => { values: T; positionals?: string[] },
): { readonly values: T; readonly positionals: string[] } | { readonly exitCode: number } {
  let parsed: { values: T; positionals?: string[] };
  try {
    parsed = parse();
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if (parsed.values.help) {
    console.log(usage);
    return { exitCode: 0 };
  }
  return { values: parsed.values, positionals: parsed.positionals ?? [] };
}
