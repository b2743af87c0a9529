/** The shape every `simulacra-pipeline` sub-command implements. */
export interface CliCommand {
  /** One line shown in the help text. */
  readonly summary: string;
  /** Runs the command with its own arguments; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}
