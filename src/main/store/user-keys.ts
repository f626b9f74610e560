/**
 * The keys of the databases the command and `facepheno serve` create without --key-file: one random 256-bit
 * key per database, in a file of the user's own config directory (never beside the database, where a copy
 * of the data directory would carry its key along), named by the sha256 of the database's absolute path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { makePrivateDir, writeSealedFile } from '../sealed-file.js';
import { readKeyFile, startsPlain } from './encryption.js';

/** $XDG_CONFIG_HOME/facepheno/keys (default ~/.config; %APPDATA% on Windows). */
export function userKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  const config =
    env.XDG_CONFIG_HOME ||
    (process.platform === 'win32' && env.APPDATA ? env.APPDATA : join(env.HOME || homedir(), '.config'));
  return join(config, 'facepheno', 'keys');
}

/** The key file of the database at `dbFile`: its absolute path's sha256, so a moved database needs its key given. */
export function userKeyFileFor(dbFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const digest = createHash('sha256').update(resolve(dbFile)).digest('hex');
  return join(userKeysDir(env), `${digest}.key`);
}

export interface UserKey {
  key: string;
  /** The key file it is kept in (readable by --key-file as it is). */
  file: string;
  /** A new key for a database not created yet: the store saves it (saveUserKey) as it creates the file. */
  isNew: boolean;
}

/**
 * The key of the SQLite database at `dbFile` from the user's key file; for a database that does not exist
 * yet, a new random key, saved when the database is created. An existing plaintext database is refused
 * (FacePheno never silently goes on writing patient data unencrypted); so is an existing encrypted one
 * whose key file is not there.
 */
export function userDatabaseKey(dbFile: string, env: NodeJS.ProcessEnv = process.env): UserKey {
  const abs = resolve(dbFile);
  const file = userKeyFileFor(abs, env);
  if (existsSync(abs) && startsPlain(abs))
    throw new UserError(
      'this case database is not encrypted: convert it with `facepheno encrypt --db FILE` (its photos too), ' +
        'or open it unencrypted with --no-encryption',
      { file: abs },
    );
  if (existsSync(file)) return { key: readKeyFile(file), file, isNew: false };
  if (existsSync(abs))
    throw new UserError(
      `this case database is encrypted and its key is not in ${userKeysDir(env)}: give it with --key-file FILE ` +
        'or FACEPHENO_DB_KEY',
      { file: abs },
    );
  return { key: `x'${randomBytes(32).toString('hex')}'`, file, isNew: true };
}

/**
 * Saves a new database's key in its key file before the database exists (a database is never there
 * without its key): created exclusively, 0600 in a 0700 folder. Another process that created the same
 * database at the same moment with its own key wins; this one is refused.
 */
export function saveUserKey(file: string, key: string): void {
  try {
    makePrivateDir(dirname(file));
    writeSealedFile(file, Buffer.from(`${key}\n`), undefined, { exclusive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      if (readKeyFile(file) === key) return;
      throw new UserError(
        'another FacePheno created this database with its own key at the same time: run again',
        {
          file,
        },
      );
    }
    throw new UserError(`cannot save the database key: ${(err as Error).message}`, { file, cause: err });
  }
}

/** The key in the user's key file for `dbFile`, if there is one (nothing is created). */
export function existingUserKey(dbFile: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = userKeyFileFor(dbFile, env);
  return existsSync(file) ? readKeyFile(file) : undefined;
}

/**
 * The key of a configuration whose database a command does not open but whose key it seals files with
 * (the data directory's caches): a new key is saved first, so that the next run finds the same one.
 */
export function keptKey(config: { key?: string; keyFile?: string; newKey?: boolean }): string | undefined {
  if (config.key !== undefined && config.newKey && config.keyFile !== undefined)
    saveUserKey(config.keyFile, config.key);
  return config.key;
}
