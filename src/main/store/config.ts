/**
 * Where the case store is and how to open it, as one serialisable value: built once at the edge (a
 * command's options and environment, the app's start-up, `facepheno serve`) and handed down, to worker
 * threads too, which open the same store with it. Nothing of it travels through process.env between
 * FacePheno's own parts: the environment is read here, at the edge, and nowhere below.
 */
import { userInfo } from 'node:os';
import { storeFileIn } from '../data-dir.js';
import { UserError } from '../errors.js';
import { resolve } from 'node:path';
import { isPostgresUrl, parsePostgresTarget } from './postgres/target.js';
import { roles, type Role } from './roles.js';
import { userDatabaseKey } from './user-keys.js';

export interface StoreConfig {
  /** A SQLite file or a postgres:// URL, its password included (messages show it without). */
  target: string;
  /** The photo folder: a PostgreSQL store's shared one; a SQLite store's default is beside its file. */
  photosDir?: string;
  /**
   * The role asked for (FACEPHENO_ROLE or the edge's setting); undefined: none asked for. On SQLite it is
   * what the store shows (clinician where none is asked for); on PostgreSQL the server's roles decide and
   * a role asked for that disagrees is refused (Store.open). A store's own config holds the role it has.
   */
  role?: Role;
  /** Who the audit log names. */
  osUser: string;
  /**
   * The key of an encrypted SQLite database (SQLCipher-compatible), from which the photo folder's key is
   * derived; on PostgreSQL, the department's key for its shared photo folder.
   */
  key?: string;
  /**
   * The user's key file the key is kept in (the command's and serve's default key; see user-keys.ts);
   * absent where the key was given. `newKey`: the database does not exist yet, and its new key is saved
   * there as it is created.
   */
  keyFile?: string;
  newKey?: boolean;
}

/** What the edge may set explicitly; the rest comes from the environment. */
export type StoreSettings = Partial<Omit<StoreConfig, 'target'>>;

/**
 * The configuration for `target` from explicit settings, else the environment: FACEPHENO_PHOTOS_DIR,
 * FACEPHENO_ROLE (none by default), FACEPHENO_DB_KEY, the OS user.
 */
export function storeConfig(
  target: string,
  given: StoreSettings = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  const photosDir = given.photosDir ?? (env.FACEPHENO_PHOTOS_DIR || undefined);
  // A SQLite file's key; on PostgreSQL, the department's key that seals the shared photo folder.
  const key = given.key ?? env.FACEPHENO_DB_KEY;
  const role = given.role ?? (env.FACEPHENO_ROLE || undefined);
  return {
    target,
    ...(photosDir !== undefined ? { photosDir } : {}),
    ...(role !== undefined ? { role: checkedRole(role) } : {}),
    osUser: given.osUser ?? osUser(env),
    ...(key !== undefined ? { key } : {}),
    ...(given.keyFile !== undefined ? { keyFile: given.keyFile } : {}),
    ...(given.newKey ? { newKey: true } : {}),
  };
}

/** How the edge (the command, serve) asks for a database's encryption. */
export interface EncryptionChoice {
  /** --no-encryption: the user's explicit choice of an unencrypted SQLite database and photo folder. */
  plaintext?: boolean;
}

/**
 * The configuration the command and `facepheno serve` open `target` with: encrypted by default. The key
 * is the one given (--key-file), else FACEPHENO_DB_KEY, else the user's own key file for this database
 * (created with the database: see user-keys.ts). `plaintext` opens or creates it unencrypted, and
 * refuses a key given with it. A PostgreSQL database's rows are its server's to protect.
 */
export function encryptedStoreConfig(
  target: string,
  given: StoreSettings & EncryptionChoice = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  const { plaintext, ...settings } = given;
  if (isPostgresUrl(target)) return storeConfig(target, settings, env);
  if (plaintext) {
    if (settings.key !== undefined || env.FACEPHENO_DB_KEY !== undefined)
      throw new UserError(
        '--no-encryption opens a database without a key, and a key was given (--key-file or FACEPHENO_DB_KEY): choose one',
      );
    return storeConfig(target, settings, env);
  }
  const key = settings.key ?? env.FACEPHENO_DB_KEY;
  if (key !== undefined) return storeConfig(target, { ...settings, key }, env);
  const user = userDatabaseKey(target, env);
  return storeConfig(
    target,
    { ...settings, key: user.key, keyFile: user.file, ...(user.isNew ? { newKey: true } : {}) },
    env,
  );
}

/**
 * The store of a data directory's app or server: `database` (else FACEPHENO_DB) names it, a postgres:// URL
 * or a SQLite file; by default the data directory's own file.
 */
export function dataDirStoreConfig(
  dataDir: string,
  given: StoreSettings & { database?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  const { database, ...settings } = given;
  return storeConfig(database ?? (env.FACEPHENO_DB || storeFileIn(dataDir)), settings, env);
}

/** Whether the target is a department's PostgreSQL database (a postgres:// URL) rather than a file. */
export function isDepartmentDatabase(target: string): boolean {
  return isPostgresUrl(target);
}

/**
 * Why the connection to a department database is less protected than TLS with the server's certificate
 * checked (the URL's explicit sslmode), for the edge to say once; null for a file or a protected URL.
 */
export function connectionWarning(target: string): string | null {
  return isPostgresUrl(target) ? parsePostgresTarget(target).security.warning : null;
}

/** The target as messages show it: a URL without its password, a file as an absolute path. */
export function displayTarget(target: string): string {
  return isPostgresUrl(target) ? parsePostgresTarget(target).display : resolve(target);
}

export function checkedRole(role: string): Role {
  if (!(roles as readonly string[]).includes(role))
    throw new UserError(`the role (FACEPHENO_ROLE) must be one of ${roles.join(', ')} (got '${role}')`);
  return role as Role;
}

function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}
