import type { StoreConfig } from '../main/usecases/workspace.js';

/** What every command gets from the command line's edge besides its own arguments. */
export interface CommandContext {
  /**
   * The configuration of the case store at `target` (a SQLite file or a postgres:// URL): the key from
   * --key-file, else the environment's settings (FACEPHENO_DB_KEY, FACEPHENO_PHOTOS_DIR, FACEPHENO_ROLE).
   * `photosDir` is a command's own photo-folder option, where it has one.
   */
  storeConfig(target: string, photosDir?: string): StoreConfig;
  /** The key given on the command line's edge: --key-file's, else FACEPHENO_DB_KEY; none: not given. */
  givenKey: string | undefined;
  /** --no-encryption was given. */
  noEncryption: boolean;
}

/** One `facepheno` subcommand; each lives in its own module under ./commands, named as typed. */
export interface Command {
  /** One line for `facepheno --help`. */
  summary: string;
  /** The full `--help` text: synopsis, options, output. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[], ctx: CommandContext): Promise<number>;
}
