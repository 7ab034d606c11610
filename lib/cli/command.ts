/** Where a command writes: results on stdout, progress and warnings on stderr. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * One `cdktf-chrony` subcommand. `run` returns the exit code; it throws `UserError` for a mistake
 * the user can fix (the dispatcher prints its message as one line and exits 1).
 */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Full `--help` text: usage line, description, options, an example. */
  readonly help: string;
  run(args: readonly string[], io: CliIO): Promise<number>;
}
