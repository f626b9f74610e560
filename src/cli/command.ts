/** One `facepheno` subcommand; each lives in its own module under ./commands, named as typed. */
export interface Command {
  /** One line for `facepheno --help`. */
  summary: string;
  /** The full `--help` text: synopsis, options, output. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
