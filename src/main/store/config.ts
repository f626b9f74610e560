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
  /** The key of an encrypted SQLite database (SQLCipher-compatible). */
  key?: string;
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
  // FACEPHENO_DB_KEY is a SQLite file's key: a PostgreSQL store refuses a key given to it explicitly only.
  const key = given.key ?? (isPostgresUrl(target) ? undefined : env.FACEPHENO_DB_KEY);
  const role = given.role ?? (env.FACEPHENO_ROLE || undefined);
  return {
    target,
    ...(photosDir !== undefined ? { photosDir } : {}),
    ...(role !== undefined ? { role: checkedRole(role) } : {}),
    osUser: given.osUser ?? osUser(env),
    ...(key !== undefined ? { key } : {}),
  };
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
